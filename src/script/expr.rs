//! Expression bindings: `col`, `lit`, `when/then/otherwise`, operators and
//! expression methods, with the `.str` and `.dt` namespaces.
//!
//! Names follow Python Polars. Strings are columns where Polars reads them
//! as columns (`col`, `select`, `group_by`) and literals on the right of an
//! operator (`col("reporter") == "KAZ"`) and in `then`/`otherwise`/`fill_null`.

use polars::prelude::*;
use rhai::{Array, Dynamic, ImmutableString, Map};

use super::docs::Doc;
use super::values::*;

/// The `.str` namespace of an expression.
#[derive(Clone)]
pub struct StrNs(pub Expr);

/// The `.dt` namespace of an expression.
#[derive(Clone)]
pub struct DtNs(pub Expr);

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[
    Doc {
        name: "col",
        signature: "col(name: string) -> Expr",
        summary: "A column by name; an array of names selects several columns.",
        example: r#"let df = frame(#{ a: [1, 2, 3] }).select(col("a") * 10).collect();
print(df.column("a"));"#,
        output: "[10, 20, 30]",
    },
    Doc {
        name: "lit",
        signature: "lit(value) -> Expr",
        summary: "A literal value as an expression (a string stays a string, not a column).",
        example: r#"let df = frame(#{ a: [1, 2] }).with_columns(lit("x").alias("tag")).collect();
print(df.column("tag"));"#,
        output: r#"["x", "x"]"#,
    },
    Doc {
        name: "operators",
        signature: "Expr + - * / % == != < <= > >= & | Expr/number/string; !Expr; -Expr",
        summary: "Arithmetic, comparison and boolean operators between expressions and values, in either order. `/` is true division.",
        example: r#"let df = frame(#{ a: [1, 2, 3, 4] }).filter(col("a") * 2 > 5 & !(col("a") == 4)).collect();
print(df.column("a"));
print(frame(#{ a: [7] }).select(col("a") / 2, (10 - col("a")).alias("b")).collect().row(0));"#,
        output: "[3]\n#{\"a\": 3.5, \"b\": 3}",
    },
    Doc {
        name: "when",
        signature: "when(cond).then(value)[.when(cond).then(value)…].otherwise(value) -> Expr",
        summary: "Conditional expression; without `otherwise` the result is null where no branch holds.",
        example: r#"let df = frame(#{ x: [1, 5, 10] })
    .select(when(col("x") < 3).then("low").when(col("x") < 8).then("mid").otherwise("high").alias("band"))
    .collect();
print(df.column("band"));"#,
        output: r#"["low", "mid", "high"]"#,
    },
    Doc {
        name: "alias",
        signature: "Expr.alias(name: string) -> Expr",
        summary: "Renames the expression's output column.",
        example: r#"print(frame(#{ a: [1] }).select(col("a").alias("b")).collect().columns);"#,
        output: r#"["b"]"#,
    },
    Doc {
        name: "cast",
        signature: "Expr.cast(dtype: string) -> Expr",
        summary: "Casts to Int64, Float64, String, Boolean, Date, … (short names i64, f64, str, bool also work).",
        example: r#"print(frame(#{ a: [1, 2] }).select(col("a").cast("String")).collect().column("a"));"#,
        output: r#"["1", "2"]"#,
    },
    Doc {
        name: "round",
        signature: "Expr.round(decimals: int) -> Expr",
        summary: "Rounds to a number of decimals (half away from zero).",
        example: r#"print(frame(#{ a: [2.345, 2.5] }).select(col("a").round(1)).collect().column("a"));"#,
        output: "[2.3, 2.5]",
    },
    Doc {
        name: "aggregations",
        signature: "Expr.sum() mean() median() min() max() count() n_unique() first() last() std() -> Expr",
        summary: "Aggregations: over the whole frame in `select`, per group in `agg`. `count` counts non-null values; `std` uses ddof 1.",
        example: r#"let df = frame(#{ v: [1.0, 2.0, 3.0, 6.0] })
    .select([col("v").sum().alias("sum"), col("v").mean().alias("mean"), col("v").median().alias("median"),
             col("v").min().alias("min"), col("v").max().alias("max"), col("v").count().alias("n"),
             col("v").n_unique().alias("u"), col("v").first().alias("first"), col("v").last().alias("last")])
    .collect();
print(df.row(0));
print(frame(#{ v: [2.0, 4.0] }).select(col("v").std()).collect().item());"#,
        output: "#{\"first\": 1.0, \"last\": 6.0, \"max\": 6.0, \"mean\": 3.0, \"median\": 2.5, \"min\": 1.0, \"n\": 4, \"sum\": 12.0, \"u\": 4}\n1.4142135623730951",
    },
    Doc {
        name: "abs",
        signature: "Expr.abs() -> Expr",
        summary: "Absolute value.",
        example: r#"print(frame(#{ a: [-2, 3] }).select(col("a").abs()).collect().column("a"));"#,
        output: "[2, 3]",
    },
    Doc {
        name: "is_null",
        signature: "Expr.is_null() / Expr.is_not_null() -> Expr",
        summary: "Whether each value is null (missing).",
        example: r#"let df = frame(#{ a: [1, (), 3] });
print(df.select(col("a").is_null()).collect().column("a"));
print(df.filter(col("a").is_not_null()).collect().height);"#,
        output: "[false, true, false]\n2",
    },
    Doc {
        name: "fill_null",
        signature: "Expr.fill_null(value) -> Expr",
        summary: "Replaces nulls with a value or another expression.",
        example: r#"print(frame(#{ a: [1, ()] }).select(col("a").fill_null(0)).collect().column("a"));"#,
        output: "[1, 0]",
    },
    Doc {
        name: "is_in",
        signature: "Expr.is_in(values: array) -> Expr",
        summary: "Whether each value is one of the given values.",
        example: r#"print(frame(#{ c: ["KAZ", "ISR", "USA"] }).filter(col("c").is_in(["KAZ", "ISR"])).collect().column("c"));"#,
        output: r#"["KAZ", "ISR"]"#,
    },
    Doc {
        name: "over",
        signature: "Expr.over(keys: string | array) -> Expr",
        summary: "Window expression: computes the expression per group and broadcasts it back to the rows.",
        example: r#"let df = frame(#{ g: ["a", "a", "b"], v: [1, 3, 10] })
    .with_columns((col("v") / col("v").sum().over("g")).alias("share")).collect();
print(df.column("share"));"#,
        output: "[0.25, 0.75, 1.0]",
    },
    Doc {
        name: "shift",
        signature: "Expr.shift(n: int = 1) -> Expr",
        summary: "Shifts values down by n rows (up when negative), filling with null.",
        example: r#"print(frame(#{ a: [1, 2, 3] }).select(col("a").shift(1)).collect().column("a"));"#,
        output: "[(), 1, 2]",
    },
    Doc {
        name: "diff",
        signature: "Expr.diff(n: int = 1) -> Expr",
        summary: "Difference with the value n rows before.",
        example: r#"print(frame(#{ a: [1, 4, 9] }).select(col("a").diff()).collect().column("a"));"#,
        output: "[(), 3, 5]",
    },
    Doc {
        name: "pct_change",
        signature: "Expr.pct_change(n: int = 1) -> Expr",
        summary: "Relative change from the value n rows before.",
        example: r#"print(frame(#{ a: [100.0, 150.0, 75.0] }).select(col("a").pct_change()).collect().column("a"));"#,
        output: "[(), 0.5, -0.5]",
    },
    Doc {
        name: "cum_sum",
        signature: "Expr.cum_sum() / Expr.cum_sum(#{ reverse: bool }) -> Expr",
        summary: "Running total.",
        example: r#"print(frame(#{ a: [1, 2, 3] }).select(col("a").cum_sum()).collect().column("a"));"#,
        output: "[1, 3, 6]",
    },
    Doc {
        name: "rank",
        signature: "Expr.rank() / Expr.rank(method: string) / Expr.rank(#{ method, descending }) -> Expr",
        summary: "Ranks values; method is average (default), min, max, dense or ordinal.",
        example: r#"print(frame(#{ a: [30, 10, 20] }).select(col("a").rank(#{ method: "ordinal", descending: true })).collect().column("a"));"#,
        output: "[1, 3, 2]",
    },
    Doc {
        name: "str",
        signature: "Expr.str.contains(pattern) starts_with ends_with to_lowercase to_uppercase len_chars replace replace_all strip_chars slice to_date; also str_contains(…) etc.",
        summary: "String methods, under `.str` as in Python Polars or as `str_*` methods. `contains` takes a regular expression; pass #{ literal: true } for plain text.",
        example: r#"let df = frame(#{ s: ["Elbit Systems", "NSO Group"] });
print(df.filter(col("s").str.contains("Sys", #{ literal: true }) | col("s").str_contains("NSO")).collect().height);
print(df.select(col("s").str.to_lowercase()).collect().column("s"));
print(df.select(col("s").str_to_uppercase().str.len_chars()).collect().column("s"));"#,
        output: "2\n[\"elbit systems\", \"nso group\"]\n[13, 9]",
    },
    Doc {
        name: "dt",
        signature: "Expr.dt.year() month() day() quarter() week() weekday() ordinal_day() strftime(fmt); also dt_year() etc.",
        summary: "Date parts, under `.dt` as in Python Polars or as `dt_*` methods.",
        example: r#"let df = dataset("events").filter(col("event_id") == "relations-1992").collect();
print(df.select(col("date").dt.year(), col("date").dt_month().alias("m")).row(0));"#,
        output: "#{\"date\": 1992, \"m\": 4}",
    },
];

macro_rules! binop {
    ($engine:ident, $op:literal, $f:expr) => {{
        let f: fn(Expr, Expr) -> Expr = $f;
        $engine.register_fn($op, move |a: ExprV, b: ExprV| ExprV(f(a.0, b.0)));
        $engine.register_fn($op, move |a: ExprV, b: i64| ExprV(f(a.0, lit(b))));
        $engine.register_fn($op, move |a: i64, b: ExprV| ExprV(f(lit(a), b.0)));
        $engine.register_fn($op, move |a: ExprV, b: f64| ExprV(f(a.0, lit(b))));
        $engine.register_fn($op, move |a: f64, b: ExprV| ExprV(f(lit(a), b.0)));
        $engine.register_fn($op, move |a: ExprV, b: ImmutableString| {
            ExprV(f(a.0, lit(b.as_str())))
        });
        $engine.register_fn($op, move |a: ImmutableString, b: ExprV| {
            ExprV(f(lit(a.as_str()), b.0))
        });
        $engine.register_fn($op, move |a: ExprV, b: bool| ExprV(f(a.0, lit(b))));
        $engine.register_fn($op, move |a: bool, b: ExprV| ExprV(f(lit(a), b.0)));
    }};
}

macro_rules! unary_methods {
    ($engine:ident, $( $name:literal => $f:expr ),* $(,)?) => {{
        $(
            {
                let f: fn(Expr) -> Expr = $f;
                $engine.register_fn($name, move |e: &mut ExprV| ExprV(f(e.0.clone())));
            }
        )*
    }};
}

macro_rules! str_methods {
    ($engine:ident, $( $name:literal => $f:expr ),* $(,)?) => {{
        $(
            {
                let f: fn(Expr) -> Expr = $f;
                $engine.register_fn($name, move |e: &mut StrNs| ExprV(f(e.0.clone())));
                $engine.register_fn(concat!("str_", $name), move |e: &mut ExprV| ExprV(f(e.0.clone())));
            }
        )*
    }};
}

macro_rules! str_methods1 {
    ($engine:ident, $( $name:literal => $f:expr ),* $(,)?) => {{
        $(
            {
                let f: fn(Expr, Expr) -> Expr = $f;
                $engine.register_fn($name, move |e: &mut StrNs, a: Dynamic| -> RResult<ExprV> {
                    Ok(ExprV(f(e.0.clone(), to_expr(&a, Strings::Literals)?)))
                });
                $engine.register_fn(concat!("str_", $name), move |e: &mut ExprV, a: Dynamic| -> RResult<ExprV> {
                    Ok(ExprV(f(e.0.clone(), to_expr(&a, Strings::Literals)?)))
                });
            }
        )*
    }};
}

macro_rules! dt_methods {
    ($engine:ident, $( $name:literal => $f:expr ),* $(,)?) => {{
        $(
            {
                let f: fn(Expr) -> Expr = $f;
                $engine.register_fn($name, move |e: &mut DtNs| ExprV(f(e.0.clone())));
                $engine.register_fn(concat!("dt_", $name), move |e: &mut ExprV| ExprV(f(e.0.clone())));
            }
        )*
    }};
}

/// Registers the expression API.
pub fn register(engine: &mut super::bindings::Bindings) {
    engine.register_type_with_name::<ExprV>("Expr");
    engine.register_type_with_name::<WhenV>("When");
    engine.register_type_with_name::<ThenV>("Then");
    engine.register_type_with_name::<StrNs>("StrNamespace");
    engine.register_type_with_name::<DtNs>("DtNamespace");

    // Constructors.
    engine.register_fn("col", |name: ImmutableString| ExprV(col(name.as_str())));
    engine.register_fn("col", |names: Array| -> RResult<ExprV> {
        let names = to_names(&Dynamic::from(names), "col")?;
        Ok(ExprV(cols(names).as_expr()))
    });
    engine.register_fn("lit", |v: Dynamic| -> RResult<ExprV> {
        Ok(ExprV(to_expr(&v, Strings::Literals)?))
    });
    engine.register_fn("len", || ExprV(len()));
    engine.register_fn("all", || ExprV(all().as_expr()));
    for (name, f) in [
        ("sum", Expr::sum as fn(Expr) -> Expr),
        ("mean", Expr::mean),
        ("median", Expr::median),
        ("min", Expr::min),
        ("max", Expr::max),
        ("count", Expr::count),
        ("first", Expr::first),
        ("last", Expr::last),
        ("n_unique", Expr::n_unique),
    ] {
        engine.register_fn(name, move |c: ImmutableString| ExprV(f(col(c.as_str()))));
    }
    engine.register_fn(
        "concat_str",
        |parts: Array, sep: ImmutableString| -> RResult<ExprV> {
            let exprs = to_exprs(&Dynamic::from(parts), Strings::Columns)?;
            Ok(ExprV(concat_str(exprs, sep.as_str(), true)))
        },
    );

    // Conditionals.
    engine.register_fn("when", |c: Dynamic| -> RResult<WhenV> {
        Ok(WhenV {
            branches: Vec::new(),
            pending: to_expr(&c, Strings::Columns)?,
        })
    });
    engine.register_fn("then", |w: &mut WhenV, v: Dynamic| -> RResult<ThenV> {
        let mut branches = w.branches.clone();
        branches.push((w.pending.clone(), to_expr(&v, Strings::Literals)?));
        Ok(ThenV { branches })
    });
    engine.register_fn("when", |t: &mut ThenV, c: Dynamic| -> RResult<WhenV> {
        Ok(WhenV {
            branches: t.branches.clone(),
            pending: to_expr(&c, Strings::Columns)?,
        })
    });
    engine.register_fn("otherwise", |t: &mut ThenV, v: Dynamic| -> RResult<ExprV> {
        Ok(ExprV(t.build(to_expr(&v, Strings::Literals)?)))
    });
    engine.register_fn("alias", |t: &mut ThenV, name: ImmutableString| {
        ExprV(t.build(lit(NULL)).alias(name.as_str()))
    });

    // Operators.
    binop!(engine, "+", |a, b| a + b);
    binop!(engine, "-", |a, b| a - b);
    binop!(engine, "*", |a, b| a * b);
    binop!(engine, "/", |a, b| binary_expr(a, Operator::TrueDivide, b));
    binop!(engine, "%", |a, b| a % b);
    binop!(engine, "==", |a, b| a.eq(b));
    binop!(engine, "!=", |a, b| a.neq(b));
    binop!(engine, "<", |a, b| a.lt(b));
    binop!(engine, "<=", |a, b| a.lt_eq(b));
    binop!(engine, ">", |a, b| a.gt(b));
    binop!(engine, ">=", |a, b| a.gt_eq(b));
    binop!(engine, "&", |a, b| a.and(b));
    binop!(engine, "|", |a, b| a.or(b));
    engine.register_fn("!", |a: ExprV| ExprV(a.0.not()));
    engine.register_fn("-", |a: ExprV| ExprV(lit(0) - a.0));
    engine.register_fn("not", |a: &mut ExprV| ExprV(a.0.clone().not()));
    engine.register_fn("pow", |a: &mut ExprV, b: Dynamic| -> RResult<ExprV> {
        Ok(ExprV(a.0.clone().pow(to_expr(&b, Strings::Literals)?)))
    });

    // Methods without arguments.
    unary_methods!(engine,
        "sum" => |e| e.sum(),
        "mean" => |e| e.mean(),
        "median" => |e| e.median(),
        "min" => |e| e.min(),
        "max" => |e| e.max(),
        "count" => |e| e.count(),
        "len" => |e| e.len(),
        "n_unique" => |e| e.n_unique(),
        "first" => |e| e.first(),
        "last" => |e| e.last(),
        "std" => |e| e.std(1),
        "var" => |e| e.var(1),
        "product" => |e| e.product(),
        "abs" => |e| e.abs(),
        "sqrt" => |e| e.sqrt(),
        "floor" => |e| e.floor(),
        "ceil" => |e| e.ceil(),
        "is_null" => |e| e.is_null(),
        "is_not_null" => |e| e.is_not_null(),
        "unique" => |e| e.unique_stable(),
        "cum_sum" => |e| e.cum_sum(false),
        "diff" => |e| e.diff(lit(1), Default::default()),
        "pct_change" => |e| e.pct_change(lit(1)),
        "shift" => |e| e.shift(lit(1)),
        "rank" => |e| e.rank(RankOptions::default(), None),
        "round" => |e| e.round(0, RoundMode::HalfAwayFromZero),
    );

    engine.register_fn("alias", |e: &mut ExprV, name: ImmutableString| {
        ExprV(e.0.clone().alias(name.as_str()))
    });
    engine.register_fn(
        "cast",
        |e: &mut ExprV, dtype: ImmutableString| -> RResult<ExprV> {
            Ok(ExprV(e.0.clone().cast(parse_dtype(&dtype)?)))
        },
    );
    engine.register_fn("round", |e: &mut ExprV, decimals: i64| -> RResult<ExprV> {
        let d =
            u32::try_from(decimals).map_err(|_| script_err("round: decimals must be 0 or more"))?;
        Ok(ExprV(e.0.clone().round(d, RoundMode::HalfAwayFromZero)))
    });
    engine.register_fn("std", |e: &mut ExprV, ddof: i64| {
        ExprV(e.0.clone().std(ddof.clamp(0, 255) as u8))
    });
    engine.register_fn("fill_null", |e: &mut ExprV, v: Dynamic| -> RResult<ExprV> {
        Ok(ExprV(
            e.0.clone().fill_null(to_expr(&v, Strings::Literals)?),
        ))
    });
    engine.register_fn("is_in", |e: &mut ExprV, values: Array| -> RResult<ExprV> {
        let s = array_to_series("values", &values)?;
        Ok(ExprV(e.0.clone().is_in(lit(s).implode(false), false)))
    });
    engine.register_fn("is_in", |e: &mut ExprV, other: ExprV| {
        ExprV(e.0.clone().is_in(other.0, false))
    });
    engine.register_fn(
        "is_between",
        |e: &mut ExprV, lo: Dynamic, hi: Dynamic| -> RResult<ExprV> {
            Ok(ExprV(e.0.clone().is_between(
                to_expr(&lo, Strings::Literals)?,
                to_expr(&hi, Strings::Literals)?,
                ClosedInterval::Both,
            )))
        },
    );
    engine.register_fn(
        "clip",
        |e: &mut ExprV, lo: Dynamic, hi: Dynamic| -> RResult<ExprV> {
            Ok(ExprV(e.0.clone().clip(
                to_expr(&lo, Strings::Literals)?,
                to_expr(&hi, Strings::Literals)?,
            )))
        },
    );
    engine.register_fn("over", |e: &mut ExprV, keys: Dynamic| -> RResult<ExprV> {
        let keys = to_exprs(&keys, Strings::Columns)?;
        guard(|| e.0.clone().over(keys)).map(ExprV)
    });
    engine.register_fn("shift", |e: &mut ExprV, n: i64| {
        ExprV(e.0.clone().shift(lit(n)))
    });
    engine.register_fn("diff", |e: &mut ExprV, n: i64| {
        ExprV(e.0.clone().diff(lit(n), Default::default()))
    });
    engine.register_fn("pct_change", |e: &mut ExprV, n: i64| {
        ExprV(e.0.clone().pct_change(lit(n)))
    });
    engine.register_fn("cum_sum", |e: &mut ExprV, opts: Map| -> RResult<ExprV> {
        check_opts(&opts, &["reverse"], "cum_sum")?;
        Ok(ExprV(
            e.0.clone().cum_sum(opt_bool(&opts, "reverse", false)?),
        ))
    });
    engine.register_fn(
        "rank",
        |e: &mut ExprV, method: ImmutableString| -> RResult<ExprV> {
            Ok(ExprV(e.0.clone().rank(
                RankOptions {
                    method: rank_method(&method)?,
                    descending: false,
                },
                None,
            )))
        },
    );
    engine.register_fn("rank", |e: &mut ExprV, opts: Map| -> RResult<ExprV> {
        check_opts(&opts, &["method", "descending"], "rank")?;
        let method = match opt_str(&opts, "method")? {
            Some(m) => rank_method(&m)?,
            None => RankMethod::Average,
        };
        Ok(ExprV(e.0.clone().rank(
            RankOptions {
                method,
                descending: opt_bool(&opts, "descending", false)?,
            },
            None,
        )))
    });
    engine.register_fn("sort", |e: &mut ExprV| {
        ExprV(e.0.clone().sort(SortOptions::default()))
    });
    engine.register_fn("sort", |e: &mut ExprV, opts: Map| -> RResult<ExprV> {
        check_opts(&opts, &["descending", "nulls_last"], "sort")?;
        Ok(ExprV(
            e.0.clone().sort(
                SortOptions::default()
                    .with_order_descending(opt_bool(&opts, "descending", false)?)
                    .with_nulls_last(opt_bool(&opts, "nulls_last", false)?),
            ),
        ))
    });

    // Namespaces.
    engine.register_get("str", |e: &mut ExprV| StrNs(e.0.clone()));
    engine.register_get("dt", |e: &mut ExprV| DtNs(e.0.clone()));

    str_methods!(engine,
        "to_lowercase" => |e| e.str().to_lowercase(),
        "to_uppercase" => |e| e.str().to_uppercase(),
        "len_chars" => |e| e.str().len_chars(),
        "len_bytes" => |e| e.str().len_bytes(),
        "strip_chars" => |e| e.str().strip_chars(lit(NULL)),
        "reverse" => |e| e.str().reverse(),
    );
    str_methods1!(engine,
        "starts_with" => |e, a| e.str().starts_with(a),
        "ends_with" => |e, a| e.str().ends_with(a),
        "strip_prefix" => |e, a| e.str().strip_prefix(a),
        "strip_suffix" => |e, a| e.str().strip_suffix(a),
        "head" => |e, a| e.str().head(a),
        "tail" => |e, a| e.str().tail(a),
    );
    let contains = |e: Expr, pat: Dynamic, literal: bool| -> RResult<ExprV> {
        let p = to_expr(&pat, Strings::Literals)?;
        Ok(ExprV(if literal {
            e.str().contains_literal(p)
        } else {
            e.str().contains(p, true)
        }))
    };
    engine.register_fn("contains", move |e: &mut StrNs, p: Dynamic| {
        contains(e.0.clone(), p, false)
    });
    engine.register_fn("str_contains", move |e: &mut ExprV, p: Dynamic| {
        contains(e.0.clone(), p, false)
    });
    engine.register_fn(
        "contains",
        move |e: &mut StrNs, p: Dynamic, o: Map| -> RResult<ExprV> {
            check_opts(&o, &["literal"], "contains")?;
            contains(e.0.clone(), p, opt_bool(&o, "literal", false)?)
        },
    );
    engine.register_fn(
        "str_contains",
        move |e: &mut ExprV, p: Dynamic, o: Map| -> RResult<ExprV> {
            check_opts(&o, &["literal"], "str_contains")?;
            contains(e.0.clone(), p, opt_bool(&o, "literal", false)?)
        },
    );
    let replace = |e: Expr, pat: Dynamic, val: Dynamic, all: bool| -> RResult<ExprV> {
        let p = to_expr(&pat, Strings::Literals)?;
        let v = to_expr(&val, Strings::Literals)?;
        Ok(ExprV(if all {
            e.str().replace_all(p, v, true)
        } else {
            e.str().replace(p, v, true)
        }))
    };
    engine.register_fn("replace", move |e: &mut StrNs, p: Dynamic, v: Dynamic| {
        replace(e.0.clone(), p, v, false)
    });
    engine.register_fn(
        "str_replace",
        move |e: &mut ExprV, p: Dynamic, v: Dynamic| replace(e.0.clone(), p, v, false),
    );
    engine.register_fn(
        "replace_all",
        move |e: &mut StrNs, p: Dynamic, v: Dynamic| replace(e.0.clone(), p, v, true),
    );
    engine.register_fn(
        "str_replace_all",
        move |e: &mut ExprV, p: Dynamic, v: Dynamic| replace(e.0.clone(), p, v, true),
    );
    let slice = |e: Expr, off: i64, len: Dynamic| -> RResult<ExprV> {
        Ok(ExprV(
            e.str().slice(lit(off), to_expr(&len, Strings::Literals)?),
        ))
    };
    engine.register_fn("slice", move |e: &mut StrNs, off: i64, len: Dynamic| {
        slice(e.0.clone(), off, len)
    });
    engine.register_fn("str_slice", move |e: &mut ExprV, off: i64, len: Dynamic| {
        slice(e.0.clone(), off, len)
    });
    let to_date = |e: Expr, fmt: Option<String>| -> ExprV {
        ExprV(e.str().to_date(StrptimeOptions {
            format: fmt.map(Into::into),
            ..Default::default()
        }))
    };
    engine.register_fn("to_date", move |e: &mut StrNs| to_date(e.0.clone(), None));
    engine.register_fn("str_to_date", move |e: &mut ExprV| {
        to_date(e.0.clone(), None)
    });
    engine.register_fn("to_date", move |e: &mut StrNs, f: ImmutableString| {
        to_date(e.0.clone(), Some(f.to_string()))
    });
    engine.register_fn("str_to_date", move |e: &mut ExprV, f: ImmutableString| {
        to_date(e.0.clone(), Some(f.to_string()))
    });

    dt_methods!(engine,
        "year" => |e| e.dt().year(),
        "month" => |e| e.dt().month(),
        "day" => |e| e.dt().day(),
        "quarter" => |e| e.dt().quarter(),
        "week" => |e| e.dt().week(),
        "weekday" => |e| e.dt().weekday(),
        "ordinal_day" => |e| e.dt().ordinal_day(),
    );
    engine.register_fn("strftime", |e: &mut DtNs, f: ImmutableString| {
        ExprV(e.0.clone().dt().strftime(f.as_str()))
    });
    engine.register_fn("dt_strftime", |e: &mut ExprV, f: ImmutableString| {
        ExprV(e.0.clone().dt().strftime(f.as_str()))
    });
    engine.register_fn("to_string", |e: &mut DtNs, f: ImmutableString| {
        ExprV(e.0.clone().dt().strftime(f.as_str()))
    });
}

fn rank_method(name: &str) -> RResult<RankMethod> {
    Ok(match name {
        "average" => RankMethod::Average,
        "min" => RankMethod::Min,
        "max" => RankMethod::Max,
        "dense" => RankMethod::Dense,
        "ordinal" => RankMethod::Ordinal,
        other => {
            return Err(script_err_help(
                format!("rank: unknown method `{other}`"),
                "use average, min, max, dense or ordinal",
            ))
        }
    })
}

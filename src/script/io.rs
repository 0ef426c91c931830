//! I/O bindings: `dataset`, `scan_csv`, `scan_parquet`, `read_json`,
//! `frame`, `sql`, writers, and `params`.
//!
//! Every path goes through the [`Host`](crate::host::Host): reads are
//! checked against the sandbox and recorded, writes land only in the output
//! folder and are atomic (temp file, then rename).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::Engine as PlEngine;
use polars::prelude::*;
use polars::sql::SQLContext;
use rhai::{Dynamic, Engine, ImmutableString, Map};

use super::docs::Doc;
use super::frame::{as_lazy, collect, trace_csv_error};
use super::values::*;
use super::Ctx;

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[
    Doc {
        name: "dataset",
        signature: "dataset(name: string) -> LazyFrame",
        summary: "A table of the project's data package (or of the bundled relations dataset), typed from datapackage.json.",
        example: r#"let t = dataset("trade").collect();
print(t.schema["value_usd"]);
print(t.schema["period_start"]);
print(datasets().contains("events"));"#,
        output: "Float64\nDate\ntrue",
    },
    Doc {
        name: "scan_csv",
        signature: "scan_csv(path) / scan_csv(path, #{ separator, has_header, infer_schema_length, try_parse_dates, schema, null_values })",
        summary: "A lazy scan of CSV files under the project root: one file, a glob (`data/*.csv`, `data/**/*.csv`) or a folder. Folders named `key=value` (hive partitions) become columns. `schema` maps column names to types. A glob that matches nothing is an error.",
        example: r#"let t = scan_csv("data/trade.csv", #{ try_parse_dates: true }).collect();
print(t.schema["period_end"]);
print(read_csv("data/countries.csv").height);
frame(#{ v: [1] }).sink_csv("out/doc-csv/region=EU/a.csv");
frame(#{ v: [2] }).sink_csv("out/doc-csv/region=US/a.csv");
print(scan_csv("out/doc-csv/region=*/*.csv").collect().rows());"#,
        output: "Date\n2\n[#{\"region\": \"EU\", \"v\": 1}, #{\"region\": \"US\", \"v\": 2}]",
    },
    Doc {
        name: "scan_parquet",
        signature: "scan_parquet(path) -> LazyFrame / read_parquet(path) -> DataFrame",
        summary: "A lazy scan of Parquet files under the project root: one file, a glob (`data/big/year=*/*.parquet`) or a hive-partitioned folder (`data/big/`), whose `key=value` folder names become columns. A glob that matches nothing is an error.",
        example: r#"frame(#{ a: [1, 2] }).collect().write_parquet("out/doc-example.parquet");
print(scan_parquet("out/doc-example.parquet").collect().column("a"));
frame(#{ v: [1, 2] }).sink_parquet("out/doc-big/year=2023/part.parquet");
frame(#{ v: [3] }).sink_parquet("out/doc-big/year=2024/part.parquet");
let t = scan_parquet("out/doc-big/year=*/*.parquet").collect();
print(t.columns);
print(t.column("year"));
print(scan_parquet("out/doc-big").collect().height);"#,
        output: "[1, 2]\n[\"v\", \"year\"]\n[2023, 2023, 2024]\n3",
    },
    Doc {
        name: "sink_parquet",
        signature: "lazy_frame.sink_parquet(path) / lazy_frame.sink_csv(path)",
        summary: "Runs the query on Polars' streaming engine and writes its result under the output folder batch by batch, without holding it in memory: for results larger than memory. The file appears complete or not at all (temporary file, then rename).",
        example: r#"let q = frame(#{ year: [2020, 2021, 2022], v: [1, 2, 3] }).filter(col("v") > 1);
q.sink_parquet("out/doc-sink.parquet");
q.sink_csv("out/doc-sink.csv");
print(scan_parquet("out/doc-sink.parquet").collect().column("year"));
print(read_text("out/doc-sink.csv"));"#,
        output: "[2021, 2022]\nyear,v\n2021,2\n2022,3",
    },
    Doc {
        name: "read_json",
        signature: "read_json(path) -> LazyFrame",
        summary: "Reads a JSON array of objects, or newline-delimited JSON (.ndjson, .jsonl).",
        example: r#"write("out/doc-example.json", `[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]`);
print(read_json("out/doc-example.json").collect().column("b"));"#,
        output: r#"["x", "y"]"#,
    },
    Doc {
        name: "frame",
        signature: "frame(#{ column: [values…], … }) -> LazyFrame",
        summary: "A frame from a map of equal-length arrays. Columns come in the order a map literal writes them; for a map built elsewhere (Rhai maps do not keep order) they are alphabetical unless a second argument lists them: frame(map, [\"year\", \"value\"]).",
        example: r#"let df = frame(#{ year: [2020, 2021], value: [1.0, 2.5] }).collect();
print(df.height);
print(df.column("value"));
print(df.columns);
let m = #{ year: [2020], value: [1.0] };
print(frame(m).collect().columns);
print(frame(m, ["year", "value"]).collect().columns);"#,
        output: "2\n[1.0, 2.5]\n[\"year\", \"value\"]\n[\"value\", \"year\"]\n[\"year\", \"value\"]",
    },
    Doc {
        name: "write_csv",
        signature: "df.write_csv(path) / df.write_parquet(path)",
        summary: "Writes a frame under the output folder, atomically (temp file, then rename).",
        example: r#"frame(#{ a: [1, 2] }).collect().write_csv("out/doc-example.csv");
print(read_csv("out/doc-example.csv").column("a"));"#,
        output: "[1, 2]",
    },
    Doc {
        name: "sql",
        signature: "sql(query: string, #{ name: frame, … }) -> LazyFrame",
        summary: "Runs Polars SQL over the named frames.",
        example: r#"let r = sql("SELECT reporter, SUM(value_usd) AS total FROM trade WHERE derived = 'no' GROUP BY reporter ORDER BY reporter",
              #{ trade: dataset("trade") }).collect();
print(r.column("reporter"));"#,
        output: r#"["ISR", "KAZ"]"#,
    },
    Doc {
        name: "params",
        signature: "params: map",
        summary: "Run parameters: [params] in dossier.toml overlaid with -P key=value (numbers and booleans typed).",
        example: r#"print(type_of(params));"#,
        output: "map",
    },
    Doc {
        name: "write",
        signature: "write(path, text)",
        summary: "Writes text to a file under the output folder, atomically.",
        example: r#"write("out/doc-example.txt", "hello");
print(read_text("out/doc-example.txt"));"#,
        output: "hello",
    },
];

/// The CSV reader for `sources` with the options of `scan_csv`.
fn csv_reader(sources: ScanSources, opts: &Map) -> RResult<LazyCsvReader> {
    let mut r = LazyCsvReader::new_with_sources(sources)
        .with_glob(false)
        .with_has_header(opt_bool(opts, "has_header", true)?)
        .with_try_parse_dates(opt_bool(opts, "try_parse_dates", false)?);
    if let Some(sep) = opt_str(opts, "separator")? {
        let b = sep.as_bytes();
        if b.len() != 1 {
            return Err(script_err("scan_csv: `separator` must be one character"));
        }
        r = r.with_separator(b[0]);
    }
    if let Some(n) = opt_int(opts, "infer_schema_length")? {
        r = r.with_infer_schema_length(if n <= 0 { None } else { Some(n as usize) });
    }
    if let Some(s) = opt(opts, "schema") {
        let m = s
            .clone()
            .try_cast::<Map>()
            .ok_or_else(|| script_err("scan_csv: `schema` must be a map of column name to type"))?;
        let mut schema = Schema::default();
        for (k, v) in &m {
            let t = v
                .clone()
                .try_cast::<ImmutableString>()
                .ok_or_else(|| script_err("scan_csv: schema types are strings"))?;
            schema.with_column(k.as_str().into(), parse_dtype(&t)?);
        }
        r = r.with_dtype_overwrite(Some(Arc::new(schema)));
    }
    if let Some(nv) = opt(opts, "null_values") {
        let values = if nv.is_array() {
            to_names(nv, "null_values")?
        } else {
            vec![nv.to_string()]
        };
        r = r.with_null_values(Some(NullValues::AllColumns(
            values.into_iter().map(Into::into).collect(),
        )));
    }
    Ok(r)
}

/// The Polars sources for a list of files.
fn sources_of(files: &[PathBuf]) -> ScanSources {
    ScanSources::Paths(
        files
            .iter()
            .map(|p| PlRefPath::new(p.to_string_lossy().as_ref()))
            .collect(),
    )
}

/// Total size of `files` in bytes.
fn size_of(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum()
}

/// The hive partition values in a file's path below the project root:
/// `data/big/year=2024/region=EU/part-0.csv` gives `year = 2024`,
/// `region = "EU"`.
fn hive_pairs(root: &Path, file: &Path) -> Vec<(String, String)> {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut pairs = Vec::new();
    if let Some(dir) = rel.parent() {
        for c in dir.components() {
            let c = c.as_os_str().to_string_lossy();
            if let Some((k, v)) = c.split_once('=') {
                if !k.is_empty() {
                    pairs.push((k.to_string(), v.to_string()));
                }
            }
        }
    }
    pairs
}

/// One literal column per hive key for every file: integers where every
/// file's value is one, then floats, else strings (as Polars types them).
fn hive_columns(root: &Path, files: &[PathBuf]) -> Vec<Vec<Expr>> {
    let pairs: Vec<Vec<(String, String)>> = files.iter().map(|f| hive_pairs(root, f)).collect();
    let all = |ok: &dyn Fn(&str) -> bool, key: &str| {
        pairs
            .iter()
            .flatten()
            .filter(|(k, _)| k == key)
            .all(|(_, v)| ok(v))
    };
    pairs
        .iter()
        .map(|ps| {
            ps.iter()
                .map(|(k, v)| {
                    let value = if all(&|v| v.parse::<i64>().is_ok(), k) {
                        lit(v.parse::<i64>().unwrap_or_default())
                    } else if all(&|v| v.parse::<f64>().is_ok(), k) {
                        lit(v.parse::<f64>().unwrap_or_default())
                    } else {
                        lit(v.as_str())
                    };
                    value.alias(k.as_str())
                })
                .collect()
        })
        .collect()
}

fn csv_scan(ctx: &Ctx, path: &str, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(
        opts,
        &[
            "separator",
            "has_header",
            "infer_schema_length",
            "try_parse_dates",
            "schema",
            "null_values",
        ],
        "scan_csv",
    )?;
    let files = ctx.host.open_many_for_scan(path).map_err(diag_err)?;
    let hive = hive_columns(ctx.host.root(), &files);
    let lf = if hive.iter().all(Vec::is_empty) {
        let r = csv_reader(sources_of(&files), opts)?;
        guard(|| r.finish())?
    } else {
        // Polars reads hive partitions from Parquet only: add the partition
        // columns to each CSV file's scan and stack them.
        let mut parts = Vec::with_capacity(files.len());
        for (file, columns) in files.iter().zip(hive) {
            let r = csv_reader(sources_of(std::slice::from_ref(file)), opts)?;
            parts.push(guard(|| r.finish())?.with_columns(columns));
        }
        guard(|| concat(parts, UnionArgs::default()))?
    };
    let scan_bytes = size_of(&files);
    Ok(LazyFrameV::scanning(lf, files, scan_bytes))
}

/// A lazy scan of one Parquet file, a glob or a hive-partitioned folder.
fn parquet_scan(ctx: &Ctx, path: &str) -> RResult<LazyFrameV> {
    let files = ctx.host.open_many_for_scan(path).map_err(diag_err)?;
    let hive = !hive_pairs(ctx.host.root(), &files[0]).is_empty();
    let args = ScanArgsParquet {
        glob: false,
        hive_options: if hive {
            HiveOptions::new_enabled()
        } else {
            HiveOptions::new_disabled()
        },
        ..Default::default()
    };
    let sources = sources_of(&files);
    let lf = guard(|| LazyFrame::scan_parquet_sources(sources, args))?;
    Ok(LazyFrameV::scanning(lf, Vec::new(), size_of(&files)))
}

/// Writes a query's result under the output folder with Polars' streaming
/// engine, batch by batch, into a temporary file renamed over the target
/// once complete (nothing is left under the target's name on failure).
fn sink(ctx: &Ctx, f: &LazyFrameV, path: &str, parquet: bool) -> RResult<()> {
    let target = ctx.host.resolve_write(path).map_err(diag_err)?;
    let mut err: Option<Box<rhai::EvalAltResult>> = None;
    let written = ctx.host.write_via_path(&target, |tmp| {
        let format = if parquet {
            FileWriteFormat::Parquet(Arc::new(ParquetWriteOptions::default()))
        } else {
            FileWriteFormat::Csv(CsvWriterOptions::default())
        };
        let destination = SinkDestination::File {
            target: SinkTarget::Path(PlRefPath::new(tmp.to_string_lossy().as_ref())),
        };
        let lf = f.lf.clone();
        guard(move || {
            // A group that keeps partitions apart (hive folders, ranges of
            // a clustered column) is computed one batch of partitions at a
            // time first (`data::partitionwise`).
            let lf = match crate::data::partitionwise::prepare(&lf, PlEngine::Streaming) {
                Some(rest) => rest?,
                None => lf,
            };
            lf.sink(destination, format, UnifiedSinkArgs::default())?
                .collect_with_engine(PlEngine::Streaming)
                .map(|_| ())
        })
        .map_err(|e| {
            let msg = e.to_string();
            err = Some(e);
            std::io::Error::other(msg)
        })
    });
    match (written, err) {
        (_, Some(e)) => Err(trace_csv_error(f, e)),
        (Err(d), None) => Err(diag_err(d)),
        (Ok(()), None) => Ok(()),
    }
}

fn json_read(ctx: &Ctx, path: &str) -> RResult<LazyFrameV> {
    let p = ctx.host.open_for_scan(path).map_err(diag_err)?;
    let bytes = std::fs::read(&p).map_err(|e| script_err(format!("cannot read {path}: {e}")))?;
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let lines = ext == "ndjson" || ext == "jsonl" || (first != Some(b'[') && ext != "json");
    let format = if lines {
        JsonFormat::JsonLines
    } else {
        JsonFormat::Json
    };
    let df = guard(|| {
        JsonReader::new(std::io::Cursor::new(bytes))
            .with_json_format(format)
            .finish()
    })
    .map_err(|e| {
        script_err(format!(
            "{path}: invalid JSON data: {}",
            error_text(&e).lines().next().unwrap_or("")
        ))
    })?;
    Ok(LazyFrameV::new(df.lazy()))
}

fn frame_from_map(m: &Map, order: Option<Vec<String>>) -> RResult<LazyFrameV> {
    let names: Vec<String> = order.unwrap_or_else(|| m.keys().map(|k| k.to_string()).collect());
    let mut columns = Vec::new();
    let mut height: Option<(String, usize)> = None;
    for name in &names {
        let v = m
            .get(name.as_str())
            .ok_or_else(|| script_err(format!("frame: no column `{name}` in the map")))?;
        let arr = v.clone().into_array().map_err(|t| {
            script_err(format!(
                "frame: column `{name}` must be an array, found {t}"
            ))
        })?;
        if let Some((first, h)) = &height {
            if *h != arr.len() {
                return Err(script_err(format!(
                    "frame: column `{name}` has {} values but `{first}` has {h}; columns must have the same length",
                    arr.len()
                )));
            }
        } else {
            height = Some((name.clone(), arr.len()));
        }
        columns.push(array_to_series(name, &arr)?.into_column());
    }
    let df = guard(|| DataFrame::new_infer_height(columns))?;
    Ok(LazyFrameV::new(df.lazy()))
}

/// The keys of the object map literal that follows the call at `pos` in
/// `text`, in source order, if they are exactly the keys of `map`.
pub fn literal_key_order(text: &str, pos: rhai::Position, map: &Map) -> Option<Vec<String>> {
    let offset = crate::diag::offset_of(text, pos.line()?, pos.position()?);
    let rest = &text[offset..];
    let open = rest.find('(')?;
    let after = rest[open + 1..].trim_start();
    let body = after.strip_prefix("#{")?;
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expect_key = true;
    let mut chars = body.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '"' | '\'' | '`' => {
                // A string: as a key, read it; elsewhere, skip it.
                let mut s = String::new();
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    if escaped {
                        s.push(c);
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == ch {
                        break;
                    } else {
                        s.push(c);
                    }
                }
                if depth == 0 && expect_key {
                    keys.push(s);
                    expect_key = false;
                }
            }
            '/' if body[i..].starts_with("//") => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => expect_key = true,
            c if depth == 0 && expect_key && (c.is_alphabetic() || c == '_') => {
                let mut s = String::from(c);
                while let Some(&(_, n)) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                keys.push(s);
                expect_key = false;
            }
            _ => {}
        }
    }
    let same = keys.len() == map.len() && keys.iter().all(|k| map.contains_key(k.as_str()));
    same.then_some(keys)
}

fn write_frame(ctx: &Ctx, df: &DataFrame, path: &str, parquet: bool) -> RResult<()> {
    let target = ctx.host.resolve_write(path).map_err(diag_err)?;
    let mut df = df.clone();
    let mut err: Option<PolarsError> = None;
    ctx.host
        .write_with(&target, |f| {
            let r = if parquet {
                ParquetWriter::new(f).finish(&mut df).map(|_| ())
            } else {
                CsvWriter::new(f).finish(&mut df)
            };
            r.map_err(|e| {
                let msg = e.to_string();
                err = Some(e);
                std::io::Error::other(msg)
            })
        })
        .map_err(diag_err)?;
    match err {
        Some(e) => Err(polars_err(&e)),
        None => Ok(()),
    }
}

/// Registers the I/O API.
pub fn register(engine: &mut Engine, ctx: &Arc<Ctx>) {
    let c = ctx.clone();
    engine.register_fn(
        "dataset",
        move |name: ImmutableString| -> RResult<LazyFrameV> {
            let cat = c.catalogue().map_err(diag_err)?;
            let scan = cat.scan_for_run(&name, &c.host).map_err(diag_err)?;
            Ok(LazyFrameV::scanning(
                scan.lf,
                scan.csv.into_iter().collect(),
                scan.scan_bytes,
            ))
        },
    );
    let c = ctx.clone();
    engine.register_fn("datasets", move || -> RResult<rhai::Array> {
        let cat = c.catalogue().map_err(diag_err)?;
        Ok(cat.names().into_iter().map(Dynamic::from).collect())
    });
    let c = ctx.clone();
    engine.register_fn("scan_csv", move |p: ImmutableString| {
        csv_scan(&c, &p, &Map::new())
    });
    let c = ctx.clone();
    engine.register_fn("scan_csv", move |p: ImmutableString, o: Map| {
        csv_scan(&c, &p, &o)
    });
    let c = ctx.clone();
    engine.register_fn("read_csv", move |p: ImmutableString| {
        collect(&csv_scan(&c, &p, &Map::new())?)
    });
    let c = ctx.clone();
    engine.register_fn("read_csv", move |p: ImmutableString, o: Map| {
        collect(&csv_scan(&c, &p, &o)?)
    });
    let c = ctx.clone();
    engine.register_fn("scan_parquet", move |p: ImmutableString| {
        parquet_scan(&c, &p)
    });
    let c = ctx.clone();
    engine.register_fn("read_parquet", move |p: ImmutableString| {
        collect(&parquet_scan(&c, &p)?)
    });
    for parquet in [false, true] {
        let name = if parquet { "sink_parquet" } else { "sink_csv" };
        let c = ctx.clone();
        engine.register_fn(name, move |f: &mut LazyFrameV, p: ImmutableString| {
            sink(&c, f, &p, parquet)
        });
        let c = ctx.clone();
        engine.register_fn(name, move |df: &mut DataFrameV, p: ImmutableString| {
            sink(&c, &LazyFrameV::new(df.0.clone().lazy()), &p, parquet)
        });
    }
    let c = ctx.clone();
    engine.register_fn("read_json", move |p: ImmutableString| json_read(&c, &p));
    let c = ctx.clone();
    engine.register_fn("read_text", move |p: ImmutableString| -> RResult<String> {
        c.host.read_to_string(&p).map(|(_, t)| t).map_err(diag_err)
    });
    let c = ctx.clone();
    engine.register_fn("frame", move |call: rhai::NativeCallContext, m: Map| {
        // Rhai maps forget key order; for a map literal written in the call,
        // take the columns in the order the script wrote them.
        let order = call
            .call_source()
            .and_then(|src| c.host.source(std::path::Path::new(src)))
            .and_then(|text| literal_key_order(&text, call.call_position(), &m));
        frame_from_map(&m, order)
    });
    engine.register_fn(
        "frame",
        |m: Map, columns: rhai::Array| -> RResult<LazyFrameV> {
            frame_from_map(&m, Some(to_names(&Dynamic::from(columns), "frame")?))
        },
    );

    for parquet in [false, true] {
        let name = if parquet {
            "write_parquet"
        } else {
            "write_csv"
        };
        let c = ctx.clone();
        engine.register_fn(name, move |df: &mut DataFrameV, p: ImmutableString| {
            write_frame(&c, &df.0, &p, parquet)
        });
        let c = ctx.clone();
        engine.register_fn(
            name,
            move |f: &mut LazyFrameV, p: ImmutableString| -> RResult<()> {
                write_frame(&c, &collect(f)?.0, &p, parquet)
            },
        );
    }
    let c = ctx.clone();
    engine.register_fn(
        "write",
        move |p: ImmutableString, text: ImmutableString| -> RResult<()> {
            c.host
                .write_atomic(&p, text.as_bytes())
                .map(|_| ())
                .map_err(diag_err)
        },
    );

    engine.register_fn(
        "sql",
        |query: ImmutableString, tables: Map| -> RResult<LazyFrameV> {
            let mut ctx = SQLContext::new();
            let mut frames = Vec::new();
            for (name, v) in &tables {
                let f = as_lazy(v).ok_or_else(|| {
                    script_err(format!(
                        "sql: table `{name}` must be a frame, found {}",
                        type_name(v)
                    ))
                })?;
                ctx.register(name.as_str(), f.lf.clone());
                frames.push(f);
            }
            let lf = guard(|| ctx.execute(&query))?;
            Ok(LazyFrameV::combine(lf, &frames))
        },
    );
}

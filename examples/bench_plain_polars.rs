//! Core benchmark, side (b): the mirror-trade gap query of
//! `benches/mirror_gap.rhai`, written directly against the Polars Rust lazy
//! API (the same polars dependency and features dossier uses). It prints the
//! same 20 rows; `benches/run.py` runs both and compares time and memory.
//!
//!     cargo run --release --example gen_mirror_trade   # writes the data, once
//!     cargo run --release --example bench_plain_polars [-- PATH]
//!
//! Definitions (identical on both sides):
//!   figure(r, p, y) = sum of value_usd that reporter r gives for partner p in year y
//!   ratio(r, p, y)  = figure(r, p, y) / figure(p, r, y)
//!   gap(p, y)       = mean over reporters r of ratio(r, p, y); top 20 by gap, descending.

use polars::prelude::*;

fn main() -> PolarsResult<()> {
    // The same table format dossier sets before it prints (so both sides'
    // output can be compared byte for byte).
    if std::env::var_os("POLARS_FMT_MAX_ROWS").is_none() {
        std::env::set_var("POLARS_FMT_MAX_ROWS", "25");
    }
    if std::env::var_os("POLARS_FMT_STR_LEN").is_none() {
        std::env::set_var("POLARS_FMT_STR_LEN", "40");
    }
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "benches/data/mirror_trade.parquet".to_string());

    let totals = LazyFrame::scan_parquet(PlRefPath::new(&path), ScanArgsParquet::default())?
        .group_by([col("reporter"), col("partner"), col("year")])
        .agg([col("value_usd").sum().alias("value")]);

    let top = totals
        .clone()
        .join(
            totals,
            [col("reporter"), col("partner"), col("year")],
            [col("partner"), col("reporter"), col("year")],
            JoinArgs::new(JoinType::Inner).with_suffix(Some("_mirror".into())),
        )
        .with_columns([(col("value") / col("value_mirror")).alias("ratio")])
        .group_by([col("partner"), col("year")])
        .agg([
            col("ratio").mean().alias("gap"),
            col("ratio").len().alias("reporters"),
        ])
        .sort(
            ["gap"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .limit(20)
        .collect()?;

    println!("{top}");
    Ok(())
}

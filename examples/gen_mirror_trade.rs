//! Writes a synthetic mirror-trade table for the core benchmark
//! (`benches/run.py`, BENCHMARKS.md):
//!
//!     reporter (str) × partner (str) × hs_chapter (i64, 1..=97) × year (i64) → value_usd (f64)
//!
//! Every ordered pair of distinct countries is present for every chapter and
//! year, so each row (r, p, hs, y) has its mirror (p, r, hs, y). The two
//! figures share one "true" flow and differ by reporting noise and by a
//! per-pair, per-year bias (CIF/FOB margins, re-exports, misclassification:
//! the usual causes of mirror discrepancies), so the two never agree.
//!
//! Deterministic: values come from a SplitMix64 hash of the row's keys and a
//! fixed seed, so the file is the same on every machine and run.
//!
//!     cargo run --release --example gen_mirror_trade -- [--rows N] [--out PATH] [--seed S]
//!
//! `--rows` is a target: the generator takes the smallest number of countries
//! c with c·(c−1)·97·12 ≥ N (default 10,000,000 → 94 countries, 10,175,688 rows).

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::*;

const CHAPTERS: i64 = 97;
const FIRST_YEAR: i64 = 2013;
const YEARS: i64 = 12; // 2013..=2024

/// Real ISO 3166-1 alpha-3 codes; synthetic `Qxx` codes beyond these.
const ISO3: &[&str] = &[
    "AFG", "ALB", "DZA", "AGO", "ARG", "ARM", "AUS", "AUT", "AZE", "BHR", "BGD", "BLR", "BEL",
    "BOL", "BIH", "BRA", "BGR", "KHM", "CMR", "CAN", "CHL", "CHN", "COL", "CRI", "HRV", "CUB",
    "CYP", "CZE", "DNK", "DOM", "ECU", "EGY", "SLV", "EST", "ETH", "FIN", "FRA", "GEO", "DEU",
    "GHA", "GRC", "GTM", "HND", "HUN", "ISL", "IND", "IDN", "IRN", "IRQ", "IRL", "ISR", "ITA",
    "JPN", "JOR", "KAZ", "KEN", "KOR", "KWT", "KGZ", "LVA", "LBN", "LTU", "LUX", "MYS", "MLT",
    "MEX", "MDA", "MNG", "MAR", "MOZ", "MMR", "NPL", "NLD", "NZL", "NGA", "MKD", "NOR", "OMN",
    "PAK", "PAN", "PRY", "PER", "PHL", "POL", "PRT", "QAT", "ROU", "RUS", "SAU", "SEN", "SRB",
    "SGP", "SVK", "SVN", "ZAF", "ESP", "LKA", "SWE", "CHE", "TJK", "TZA", "THA", "TUN", "TUR",
    "TKM", "UGA", "UKR", "ARE", "GBR", "USA", "URY", "UZB", "VEN", "VNM", "ZMB", "ZWE",
];

/// SplitMix64: a good 64-bit mix of its input.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from a hash of `parts` and the seed.
fn unit(seed: u64, parts: &[u64]) -> f64 {
    let mut h = mix(seed);
    for &p in parts {
        h = mix(h ^ p);
    }
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn main() -> PolarsResult<()> {
    let mut rows_target: u64 = 10_000_000;
    let mut out = PathBuf::from("benches/data/mirror_trade.parquet");
    let mut seed: u64 = 20240601;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--rows" => rows_target = value().replace('_', "").parse().expect("--rows: a number"),
            "--out" => out = PathBuf::from(value()),
            "--seed" => seed = value().parse().expect("--seed: a number"),
            "-h" | "--help" => {
                println!("gen_mirror_trade [--rows N] [--out PATH] [--seed S]");
                return Ok(());
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let per_pair = (CHAPTERS * YEARS) as u64;
    let mut n: u64 = 2;
    while n * (n - 1) * per_pair < rows_target {
        n += 1;
    }
    let names: Vec<String> = (0..n as usize)
        .map(|i| match ISO3.get(i) {
            Some(c) => c.to_string(),
            None => {
                let k = i - ISO3.len();
                format!(
                    "Q{}{}",
                    (b'A' + (k / 26 % 26) as u8) as char,
                    (b'A' + (k % 26) as u8) as char
                )
            }
        })
        .collect();
    let rows = (n * (n - 1) * per_pair) as usize;
    let started = Instant::now();

    // Country size (scales every flow it takes part in) and chapter weight.
    let size: Vec<f64> = (0..n).map(|i| (unit(seed, &[1, i]) * 6.0).exp()).collect();
    let chapter: Vec<f64> = (1..=CHAPTERS as u64)
        .map(|h| 0.2 + unit(seed, &[2, h]) * 1.8)
        .collect();

    let mut reporter: Vec<&str> = Vec::with_capacity(rows);
    let mut partner: Vec<&str> = Vec::with_capacity(rows);
    let mut hs: Vec<i64> = Vec::with_capacity(rows);
    let mut year: Vec<i64> = Vec::with_capacity(rows);
    let mut value: Vec<f64> = Vec::with_capacity(rows);
    for r in 0..n {
        for p in 0..n {
            if p == r {
                continue;
            }
            let (lo, hi) = (r.min(p), r.max(p));
            for h in 1..=CHAPTERS as u64 {
                for y in 0..YEARS as u64 {
                    // The true flow is shared by the row and its mirror.
                    let truth = size[lo as usize]
                        * size[hi as usize]
                        * chapter[h as usize - 1]
                        * (1.0 + unit(seed, &[3, lo, hi, h, y]) * 4.0)
                        * 1000.0;
                    // Reporter-side bias for this pair and year: mostly small
                    // (CIF/FOB), sometimes large (re-exports, misclassification).
                    let b = unit(seed, &[4, r, p, y]);
                    let bias = if b < 0.90 {
                        1.0 + b * 0.1
                    } else {
                        1.0 + (b - 0.90) * 30.0
                    };
                    // Row-level noise, so the two figures never agree exactly.
                    let noise = 0.9 + unit(seed, &[5, r, p, h, y]) * 0.2;
                    reporter.push(&names[r as usize]);
                    partner.push(&names[p as usize]);
                    hs.push(h as i64);
                    year.push(FIRST_YEAR + y as i64);
                    value.push((truth * bias * noise * 100.0).round() / 100.0);
                }
            }
        }
    }
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("reporter".into(), reporter),
        Column::new("partner".into(), partner),
        Column::new("hs_chapter".into(), hs),
        Column::new("year".into(), year),
        Column::new("value_usd".into(), value),
    ])?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = out.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp)?;
    ParquetWriter::new(file).finish(&mut df)?;
    std::fs::rename(&tmp, &out)?;
    let bytes = std::fs::metadata(&out)?.len();
    // A small manifest next to the file, so `benches/run.py` can tell
    // whether the file on disk was generated with the size it asks for.
    let manifest = format!(
        "{{\"rows_target\": {rows_target}, \"rows\": {rows}, \"countries\": {n}, \"chapters\": {CHAPTERS}, \"years\": {YEARS}, \"seed\": {seed}, \"bytes\": {bytes}}}\n"
    );
    std::fs::write(out.with_extension("json"), manifest)?;
    eprintln!(
        "wrote {} ({} rows: {n} countries × {} partners × {CHAPTERS} chapters × {YEARS} years, {:.1} MB) in {:.1} s",
        out.display(),
        rows,
        n - 1,
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

//! Scope snapshots, for the notebook cell cache: the variables a run of
//! cells left behind, stored so that a later run can start after those
//! cells instead of running them again.
//!
//! Plain values (unit, booleans, numbers, strings, arrays, maps) are stored
//! as JSON; frames as Parquet (a lazy frame is collected and comes back as
//! `frame.lazy()`, the same rows); charts as their SVG and metadata. A scope
//! holding anything else (an expression, a pending `group_by`, a function
//! pointer) cannot be stored: [`save`] returns `None` and the cells run again.
//! This module does no file I/O: the caller writes and reads the bytes.

use polars::prelude::*;
use rhai::{Array, Dynamic, Map};
use serde::{Deserialize, Serialize};

use super::chart::{ChartInfo, ChartV};
use super::values::{DataFrameV, LazyFrameV};
use crate::chart::spec::Kind;
use crate::chart::Chart;

/// One stored value.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
enum Stored {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Char(char),
    Array(Vec<Stored>),
    Map(Vec<(String, Stored)>),
    /// A frame: the name of its Parquet file in the snapshot.
    Frame(String),
    /// A lazy frame, collected: the name of its Parquet file.
    Lazy(String),
    Chart {
        svg: String,
        title: Option<String>,
        alt: String,
        kind: String,
        width: u32,
        height: u32,
    },
}

/// A stored scope: the manifest (JSON) and the Parquet files it names.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub manifest: Vec<u8>,
    pub files: Vec<(String, Vec<u8>)>,
}

/// Stores `values` (name, value, in declaration order). `None` when a value
/// cannot be stored or a lazy frame fails to collect.
pub fn save(values: &[(String, Dynamic)]) -> Option<Snapshot> {
    let mut snap = Snapshot::default();
    let mut vars = Vec::new();
    for (name, value) in values {
        if name == "params" {
            continue;
        }
        vars.push((name.clone(), store(value, &mut snap.files)?));
    }
    snap.manifest = serde_json::to_vec(&vars).ok()?;
    Some(snap)
}

fn store(v: &Dynamic, files: &mut Vec<(String, Vec<u8>)>) -> Option<Stored> {
    if v.is_unit() {
        return Some(Stored::Unit);
    }
    if let Ok(b) = v.as_bool() {
        return Some(Stored::Bool(b));
    }
    if let Ok(i) = v.as_int() {
        return Some(Stored::Int(i));
    }
    if let Ok(f) = v.as_float() {
        return Some(Stored::Float(f));
    }
    if let Ok(c) = v.as_char() {
        return Some(Stored::Char(c));
    }
    if v.is_string() {
        return Some(Stored::Str(v.to_string()));
    }
    if v.is_array() {
        let a = v.clone().into_array().ok()?;
        return a
            .iter()
            .map(|x| store(x, files))
            .collect::<Option<Vec<_>>>()
            .map(Stored::Array);
    }
    if v.is_map() {
        let m = v.clone().try_cast::<Map>()?;
        return m
            .iter()
            .map(|(k, x)| store(x, files).map(|s| (k.to_string(), s)))
            .collect::<Option<Vec<_>>>()
            .map(Stored::Map);
    }
    if let Some(df) = v.clone().try_cast::<DataFrameV>() {
        let name = format!("f{}.parquet", files.len());
        files.push((name.clone(), parquet(df.0)?));
        return Some(Stored::Frame(name));
    }
    if let Some(lf) = v.clone().try_cast::<LazyFrameV>() {
        let plan = lf.lf;
        let df = super::values::guard(move || plan.collect()).ok()?;
        let name = format!("f{}.parquet", files.len());
        files.push((name.clone(), parquet(df)?));
        return Some(Stored::Lazy(name));
    }
    if let Some(c) = v.clone().try_cast::<ChartV>() {
        return Some(Stored::Chart {
            svg: c.0.svg,
            title: c.0.title,
            alt: c.0.alt,
            kind: c.1.kind.name().to_string(),
            width: c.1.width,
            height: c.1.height,
        });
    }
    None
}

fn parquet(mut df: DataFrame) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetWriter::new(&mut buf).finish(&mut df).map(|_| ())
    }))
    .ok()?
    .ok()?;
    Some(buf)
}

/// Reads a snapshot back; `file` returns the bytes of a named file.
pub fn load(
    manifest: &[u8],
    file: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Vec<(String, Dynamic)>, String> {
    let vars: Vec<(String, Stored)> =
        serde_json::from_slice(manifest).map_err(|e| format!("snapshot manifest: {e}"))?;
    vars.into_iter()
        .map(|(n, s)| restore(s, file).map(|v| (n, v)))
        .collect()
}

fn restore(s: Stored, file: &dyn Fn(&str) -> Option<Vec<u8>>) -> Result<Dynamic, String> {
    let read = |name: &str| -> Result<DataFrame, String> {
        let bytes = file(name).ok_or_else(|| format!("snapshot file {name} is missing"))?;
        ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .map_err(|e| format!("snapshot file {name}: {e}"))
    };
    Ok(match s {
        Stored::Unit => Dynamic::UNIT,
        Stored::Bool(b) => b.into(),
        Stored::Int(i) => i.into(),
        Stored::Float(f) => f.into(),
        Stored::Char(c) => c.into(),
        Stored::Str(s) => s.into(),
        Stored::Array(a) => {
            let arr: Array = a
                .into_iter()
                .map(|x| restore(x, file))
                .collect::<Result<_, _>>()?;
            arr.into()
        }
        Stored::Map(m) => {
            let mut map = Map::new();
            for (k, x) in m {
                map.insert(k.into(), restore(x, file)?);
            }
            map.into()
        }
        Stored::Frame(name) => Dynamic::from(DataFrameV(read(&name)?)),
        Stored::Lazy(name) => Dynamic::from(LazyFrameV::new(read(&name)?.lazy())),
        Stored::Chart {
            svg,
            title,
            alt,
            kind,
            width,
            height,
        } => Dynamic::from(ChartV(
            Chart {
                svg,
                title,
                height,
                alt,
            },
            ChartInfo {
                kind: Kind::parse(&kind).ok_or_else(|| format!("unknown chart kind {kind}"))?,
                width,
                height,
            },
        )),
    })
}

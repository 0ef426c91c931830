//! What a cell produces, shared by the notebook pages and the Jupyter
//! kernel: printed text (stdout for `print`, stderr for `debug`), values
//! shown with `display(…)`, the value of the cell's last expression, and
//! errors. [`Capture`] routes a session's output to whoever runs the
//! current cell.

use std::sync::{Arc, Mutex};

use rhai::Dynamic;
use serde_json::{json, Map, Value};

use crate::diag::Diagnostic;
use crate::script::display::{representation, Representation};
use crate::script::{DisplaySink, Sink, Stream};

/// A MIME bundle: representations of one value, richest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bundle {
    /// (MIME type, data); `image/png` is base64.
    pub data: Vec<(String, String)>,
    /// Per-MIME metadata (the size a PNG is shown at).
    pub metadata: Map<String, Value>,
}

impl Bundle {
    /// The bundle of a script value.
    pub fn of(value: &Dynamic) -> Bundle {
        Bundle::from(representation(value))
    }

    /// The data for `mime`, if present.
    pub fn get(&self, mime: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(m, _)| m == mime)
            .map(|(_, d)| d.as_str())
    }

    /// `{"text/plain": …, …}` as the Jupyter protocol and nbformat write it.
    pub fn data_json(&self) -> Value {
        Value::Object(
            self.data
                .iter()
                .map(|(m, d)| (m.clone(), Value::String(d.clone())))
                .collect(),
        )
    }

    fn from_json(data: &Value, metadata: Option<&Value>) -> Bundle {
        let data = data
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(m, d)| (m.clone(), text_of(d)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let metadata = metadata
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Bundle { data, metadata }
    }
}

impl From<Representation> for Bundle {
    fn from(r: Representation) -> Bundle {
        let mut metadata = Map::new();
        if let Some((w, h)) = r.png_size {
            metadata.insert("image/png".into(), json!({ "width": w, "height": h }));
        }
        Bundle {
            data: r.data,
            metadata,
        }
    }
}

/// nbformat allows multi-line strings as arrays of lines.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        other => other.to_string(),
    }
}

/// An error in a cell, in the shape Jupyter shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    /// The kind of error (`RuntimeError`, `SyntaxError`, `Interrupt`, …).
    pub ename: String,
    pub evalue: String,
    /// The rendered diagnostic, line by line: `file:line:col`, the source
    /// line with a caret, notes and help.
    pub traceback: Vec<String>,
    /// Where in the notebook the error is, when it is in one of its cells.
    pub position: Option<CellPosition>,
}

/// A place in a notebook: the cell (1-based, as the script numbers its
/// cells), the line and column inside it, and the script line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellPosition {
    pub cell: usize,
    pub line: usize,
    pub col: usize,
    pub script_line: usize,
}

impl CellError {
    /// The Jupyter form of a diagnostic.
    pub fn from_diagnostic(d: &Diagnostic) -> CellError {
        let ename = match d.kind {
            "syntax" => "SyntaxError".to_string(),
            "interrupt" => "Interrupt".to_string(),
            "io" => "IOError".to_string(),
            kind => {
                let mut c = kind.chars();
                match c.next() {
                    Some(f) => format!("{}{}Error", f.to_uppercase(), c.as_str()),
                    None => "Error".to_string(),
                }
            }
        };
        let ename = if ename == "ErrorError" {
            "Error".into()
        } else {
            ename
        };
        CellError {
            ename,
            evalue: d.message.clone(),
            traceback: d.render().trim_end().lines().map(str::to_string).collect(),
            position: None,
        }
    }
}

/// One output of a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Printed text; consecutive prints to the same stream are merged.
    Stream {
        stream: Stream,
        text: String,
    },
    /// A value passed to `display(…)`.
    Display(Bundle),
    /// The value of the cell's last expression.
    Result(Bundle),
    Error(CellError),
}

impl Output {
    /// The nbformat 4 output (`execution_count` for results).
    pub fn to_nbformat(&self, execution_count: Option<usize>) -> Value {
        match self {
            Output::Stream { stream, text } => json!({
                "output_type": "stream",
                "name": stream_name(*stream),
                "text": text,
            }),
            Output::Display(b) => json!({
                "output_type": "display_data",
                "data": b.data_json(),
                "metadata": b.metadata,
            }),
            Output::Result(b) => json!({
                "output_type": "execute_result",
                "execution_count": execution_count,
                "data": b.data_json(),
                "metadata": b.metadata,
            }),
            Output::Error(e) => json!({
                "output_type": "error",
                "ename": e.ename,
                "evalue": e.evalue,
                "traceback": e.traceback,
            }),
        }
    }

    /// Reads an nbformat 4 output back (`None` for an unknown type).
    pub fn from_nbformat(v: &Value) -> Option<Output> {
        let s = |k: &str| v.get(k).map(text_of).unwrap_or_default();
        Some(match v.get("output_type")?.as_str()? {
            "stream" => Output::Stream {
                stream: if s("name") == "stderr" {
                    Stream::Stderr
                } else {
                    Stream::Stdout
                },
                text: s("text"),
            },
            "display_data" => Output::Display(Bundle::from_json(v.get("data")?, v.get("metadata"))),
            "execute_result" => {
                Output::Result(Bundle::from_json(v.get("data")?, v.get("metadata")))
            }
            "error" => Output::Error(CellError {
                ename: s("ename"),
                evalue: s("evalue"),
                traceback: v
                    .get("traceback")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(text_of).collect())
                    .unwrap_or_default(),
                position: None,
            }),
            _ => return None,
        })
    }
}

/// `stdout` or `stderr`.
pub fn stream_name(s: Stream) -> &'static str {
    match s {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

/// Where the current cell's output goes.
pub type Emit = Arc<dyn Fn(Output) + Send + Sync>;

/// Routes a session's printed and displayed output to the current cell's
/// receiver (set per cell, cleared between cells).
#[derive(Clone, Default)]
pub struct Capture {
    target: Arc<Mutex<Option<Emit>>>,
}

impl Capture {
    pub fn new() -> Capture {
        Capture::default()
    }

    /// Sends output to `emit` from now on (`None`: drop it).
    pub fn set(&self, emit: Option<Emit>) {
        if let Ok(mut t) = self.target.lock() {
            *t = emit;
        }
    }

    /// Sends one output to the current receiver.
    pub fn emit(&self, output: Output) {
        let target = self.target.lock().ok().and_then(|t| t.clone());
        if let Some(f) = target {
            f(output);
        }
    }

    /// The session sink: each `print`/`debug` becomes a stream output (one line).
    pub fn sink(&self) -> Sink {
        let me = self.clone();
        Arc::new(move |stream, text| {
            me.emit(Output::Stream {
                stream,
                text: format!("{text}\n"),
            })
        })
    }

    /// The session's `display` hook.
    pub fn display(&self) -> DisplaySink {
        let me = self.clone();
        Arc::new(move |value| me.emit(Output::Display(Bundle::of(value))))
    }
}

/// Appends an output, merging it into the previous one when both are text
/// on the same stream (as notebook front ends show them).
pub fn push_merged(outputs: &mut Vec<Output>, output: Output) {
    if let (
        Some(Output::Stream { stream: s0, text }),
        Output::Stream {
            stream: s1,
            text: more,
        },
    ) = (outputs.last_mut(), &output)
    {
        if s0 == s1 {
            text.push_str(more);
            return;
        }
    }
    outputs.push(output);
}

//! The shell requests, answered on one thread that owns the script
//! [`Session`]: execute (streams, display data, results, errors, execution
//! counts, `silent`, `store_history`, `user_expressions`, `stop_on_error`),
//! complete, inspect, is_complete, history, comm_info, kernel_info and
//! shutdown. Every request is wrapped in busy/idle status messages, and all
//! its output is published before idle.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use serde_json::{json, Map, Value};
use tokio::sync::mpsc::UnboundedSender;

use super::history::History;
use super::message::{Message, PROTOCOL_VERSION};
use crate::config::Config;
use crate::notebook::output::{stream_name, Bundle, Capture, CellError, Emit, Output};
use crate::script::{complete, Session};

/// Where the executor's messages go: IOPub and the shell socket.
#[derive(Clone)]
pub struct Outbox {
    pub iopub: UnboundedSender<Message>,
    pub shell: UnboundedSender<Message>,
    /// This kernel's session id (every header carries it).
    pub session: String,
}

impl Outbox {
    /// Publishes `msg_type` on IOPub with `parent` as parent.
    pub fn publish(&self, parent: &Message, msg_type: &str, content: Value) {
        let _ = self
            .iopub
            .send(parent.broadcast(&self.session, msg_type, content));
    }

    /// The busy/idle status.
    pub fn status(&self, parent: &Message, state: &str) {
        self.publish(parent, "status", json!({ "execution_state": state }));
    }

    fn reply(&self, request: &Message, content: Value) {
        let msg_type = request.msg_type().replace("_request", "_reply");
        let _ = self
            .shell
            .send(request.child(&self.session, &msg_type, content));
    }
}

/// The content of `kernel_info_reply`.
pub fn kernel_info() -> Value {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "dossier",
        "implementation_version": crate::VERSION,
        "language_info": {
            "name": "rhai",
            "version": "1",
            "mimetype": "text/x-rhai",
            "file_extension": ".rhai",
            "pygments_lexer": "rust",
            "codemirror_mode": "rust",
        },
        "banner": format!("dossier {} — Rhai over Polars. display(value) shows frames as tables and charts as pictures.", crate::VERSION),
        "debugger": false,
        "help_links": [],
    })
}

/// The thread that runs the shell requests.
pub struct Executor {
    session: Session,
    capture: Capture,
    history: History,
    execution_count: usize,
    /// Executions that did not count (silent, or without store_history),
    /// so each input runs under a name of its own.
    uncounted: usize,
    out: Outbox,
    pending: VecDeque<Message>,
    /// Called on a shell `shutdown_request`, after the reply.
    on_shutdown: Box<dyn Fn() + Send>,
}

impl Executor {
    /// A fresh session for the project in `config`.
    pub fn new(config: Arc<Config>, out: Outbox, on_shutdown: Box<dyn Fn() + Send>) -> Executor {
        let capture = Capture::new();
        let params = config.params.clone();
        let session = Session::new(config, &params, capture.sink());
        session.set_display(Some(capture.display()));
        Executor {
            session,
            capture,
            history: History::default(),
            execution_count: 0,
            uncounted: 0,
            out,
            pending: VecDeque::new(),
            on_shutdown,
        }
    }

    /// The flag an `interrupt_request` sets.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.session.interrupt_handle()
    }

    /// Answers requests until the channel closes.
    pub fn run(mut self, jobs: Receiver<Message>) {
        loop {
            let msg = match self.pending.pop_front() {
                Some(m) => m,
                None => match jobs.recv() {
                    Ok(m) => m,
                    Err(_) => return,
                },
            };
            self.out.status(&msg, "busy");
            // A bug must not take the kernel down: a panic while handling a
            // request becomes an error reply, and the next request runs.
            let handled =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(&msg, &jobs)));
            let to_abort = handled.unwrap_or_else(|panic| {
                self.capture.set(None);
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "internal error".into());
                self.out.reply(
                    &msg,
                    json!({
                        "status": "error",
                        "ename": "InternalError",
                        "evalue": what,
                        "traceback": [format!("dossier kernel: internal error: {what}")],
                        "execution_count": self.execution_count,
                    }),
                );
                Vec::new()
            });
            self.out.status(&msg, "idle");
            for m in to_abort {
                self.out.status(&m, "busy");
                self.out.reply(
                    &m,
                    json!({ "status": "aborted", "execution_count": self.execution_count }),
                );
                self.out.status(&m, "idle");
            }
        }
    }

    /// Handles one request; returns the queued executions to abort (after a
    /// failed execution with `stop_on_error`).
    fn handle(&mut self, msg: &Message, jobs: &Receiver<Message>) -> Vec<Message> {
        match msg.msg_type() {
            "kernel_info_request" => self.out.reply(msg, kernel_info()),
            "execute_request" => return self.execute(msg, jobs),
            "complete_request" => {
                let code = msg.text("code");
                let cursor = cursor_pos(msg, code);
                let c = complete::complete(&self.session, code, cursor);
                // IPython's form of typed completions, which JupyterLab shows.
                let typed: Vec<Value> = c
                    .candidates
                    .iter()
                    .map(|m| {
                        json!({
                            "start": c.start,
                            "end": c.end,
                            "text": m.text,
                            "type": m.kind.name(),
                            "signature": m.signature,
                        })
                    })
                    .collect();
                self.out.reply(
                    msg,
                    json!({
                        "status": "ok",
                        "matches": c.texts(),
                        "cursor_start": c.start,
                        "cursor_end": c.end,
                        "metadata": { "_jupyter_types_experimental": typed },
                    }),
                );
            }
            "inspect_request" => {
                let code = msg.text("code");
                let cursor = cursor_pos(msg, code);
                let found = complete::inspect(&self.session, code, cursor);
                let data: Map<String, Value> = found
                    .iter()
                    .flatten()
                    .map(|(m, d)| (m.clone(), Value::String(d.clone())))
                    .collect();
                self.out.reply(
                    msg,
                    json!({ "status": "ok", "found": found.is_some(), "data": data, "metadata": {} }),
                );
            }
            "is_complete_request" => {
                let status = complete::status(&self.session, msg.text("code")).name();
                let mut content = json!({ "status": status });
                if status == "incomplete" {
                    content["indent"] = json!("");
                }
                self.out.reply(msg, content);
            }
            "history_request" => {
                let history = self.history.request(&msg.content);
                self.out
                    .reply(msg, json!({ "status": "ok", "history": history }));
            }
            "comm_info_request" => self.out.reply(msg, json!({ "status": "ok", "comms": {} })),
            "shutdown_request" => {
                let restart = msg.flag("restart", false);
                self.out
                    .reply(msg, json!({ "status": "ok", "restart": restart }));
                (self.on_shutdown)();
            }
            // comm_open, comm_msg, comm_close: no comm targets exist, nothing to answer.
            _ => {}
        }
        Vec::new()
    }

    fn execute(&mut self, msg: &Message, jobs: &Receiver<Message>) -> Vec<Message> {
        let code = msg.text("code").to_string();
        let silent = msg.flag("silent", false);
        let store = msg.flag("store_history", true) && !silent;
        if store {
            self.execution_count += 1;
        }
        let count = self.execution_count;
        if !silent {
            self.out.publish(
                msg,
                "execute_input",
                json!({ "code": code, "execution_count": count }),
            );
        }
        let emit: Emit = if silent {
            Arc::new(|_| {})
        } else {
            let out = self.out.clone();
            let parent = msg.clone();
            Arc::new(move |o| publish_output(&out, &parent, &o, count))
        };
        self.capture.set(Some(emit));
        // Diagnostics name the input; functions defined in it keep pointing
        // at its text, so every input needs a name of its own.
        let name = if store {
            format!("In[{count}]")
        } else {
            self.uncounted += 1;
            format!("In[{count}.{}]", self.uncounted)
        };
        let result = self.session.eval_source(&name, &code);
        match result {
            Ok(value) => {
                let mut text = None;
                if !value.is_unit() && !silent {
                    let bundle = Bundle::of(&value);
                    text = bundle.get("text/plain").map(str::to_string);
                    publish_output(&self.out, msg, &Output::Result(bundle), count);
                }
                self.capture.set(None);
                if store {
                    self.history.add(count, &code, text);
                }
                let user_expressions = self.user_expressions(msg);
                self.out.reply(
                    msg,
                    json!({
                        "status": "ok",
                        "execution_count": count,
                        "payload": [],
                        "user_expressions": user_expressions,
                    }),
                );
                Vec::new()
            }
            Err(d) => {
                let e = CellError::from_diagnostic(&d);
                if !silent {
                    publish_output(&self.out, msg, &Output::Error(e.clone()), count);
                }
                self.capture.set(None);
                if store {
                    self.history.add(count, &code, None);
                }
                // What was queued before this reply goes out is aborted;
                // what the client sends after seeing it runs.
                let to_abort = if msg.flag("stop_on_error", true) && !silent {
                    self.take_queued_executions(jobs)
                } else {
                    Vec::new()
                };
                self.out.reply(
                    msg,
                    json!({
                        "status": "error",
                        "execution_count": count,
                        "ename": e.ename,
                        "evalue": e.evalue,
                        "traceback": e.traceback,
                        "user_expressions": {},
                        "payload": [],
                    }),
                );
                to_abort
            }
        }
    }

    /// Evaluates the request's `user_expressions` (after the code, silently).
    fn user_expressions(&mut self, msg: &Message) -> Value {
        let mut out = Map::new();
        let Some(exprs) = msg
            .content
            .get("user_expressions")
            .and_then(Value::as_object)
        else {
            return Value::Object(out);
        };
        for (name, expr) in exprs {
            let code = expr.as_str().unwrap_or("");
            let v = match self.session.eval_source(&format!("<{name}>"), code) {
                Ok(v) => json!({
                    "status": "ok",
                    "data": Bundle::of(&v).data_json(),
                    "metadata": {},
                }),
                Err(d) => {
                    let e = CellError::from_diagnostic(&d);
                    json!({ "status": "error", "ename": e.ename, "evalue": e.evalue, "traceback": e.traceback })
                }
            };
            out.insert(name.clone(), v);
        }
        Value::Object(out)
    }

    /// After a failed execution with `stop_on_error`, the executions already
    /// queued are answered `aborted` (as ipykernel does); other requests wait.
    fn take_queued_executions(&mut self, jobs: &Receiver<Message>) -> Vec<Message> {
        let mut keep = VecDeque::new();
        let mut abort = Vec::new();
        let queued: Vec<Message> = self.pending.drain(..).chain(jobs.try_iter()).collect();
        for m in queued {
            if m.msg_type() == "execute_request" {
                abort.push(m);
            } else {
                keep.push_back(m);
            }
        }
        self.pending = keep;
        abort
    }
}

/// The cursor position of a request (code points; the end when missing).
fn cursor_pos(msg: &Message, code: &str) -> usize {
    msg.content
        .get("cursor_pos")
        .and_then(Value::as_u64)
        .map(|c| c as usize)
        .unwrap_or_else(|| code.chars().count())
}

/// Publishes one output of an execution on IOPub.
fn publish_output(out: &Outbox, parent: &Message, o: &Output, count: usize) {
    match o {
        Output::Stream { stream, text } => out.publish(
            parent,
            "stream",
            json!({ "name": stream_name(*stream), "text": text }),
        ),
        Output::Display(b) => out.publish(
            parent,
            "display_data",
            json!({ "data": b.data_json(), "metadata": b.metadata, "transient": {} }),
        ),
        Output::Result(b) => out.publish(
            parent,
            "execute_result",
            json!({
                "execution_count": count,
                "data": b.data_json(),
                "metadata": b.metadata,
                "transient": {},
            }),
        ),
        Output::Error(e) => out.publish(
            parent,
            "error",
            json!({ "ename": e.ename, "evalue": e.evalue, "traceback": e.traceback }),
        ),
    }
}

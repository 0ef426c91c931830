//! The Jupyter kernel: `dossier kernel --connection-file FILE` speaks the
//! Jupyter messaging protocol (5.3) over ZeroMQ, with a pure-Rust ZeroMQ
//! (the `zeromq` crate on tokio; no libzmq) and HMAC-SHA256 signing.
//!
//! Laid out by protocol concern, as evcxr_jupyter is:
//!
//! - [`connection`]: the connection file and message signing;
//! - [`message`]: the wire format (identities, delimiter, signature, JSON parts);
//! - [`handlers`]: the shell requests, run on one thread that owns the
//!   script [`Session`](crate::script::Session);
//! - [`history`]: the input history;
//! - [`install`]: the kernelspec.
//!
//! One task per socket: shell (reads requests and hands them to the
//! executor thread; a writer task sends the replies), IOPub (a writer task
//! publishing everything the executor emits, in order), control (answered
//! here, so an interrupt reaches a running cell), stdin (bound; scripts do
//! not read input) and heartbeat (echo).

pub mod connection;
pub mod handlers;
pub mod history;
pub mod install;
pub mod message;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc::unbounded_channel;
use tokio::sync::Notify;
use zeromq::{PubSocket, RepSocket, RouterSocket, Socket, SocketRecv, SocketSend};

use crate::config::Config;
use crate::diag::Diagnostic;
use connection::{ConnectionInfo, Signer};
use handlers::{Executor, Outbox};
use message::Message;

/// How long the kernel lets its last messages (the shutdown reply, the
/// final idle status) reach the sockets before the process ends: sends are
/// queued to writer tasks, and a local client reads them in well under this.
pub const SHUTDOWN_FLUSH: Duration = Duration::from_millis(100);

/// How often the kernel checks that the process that started it is still
/// there (as ipykernel's parent poller does): a front end that dies without
/// a shutdown request must not leave kernels behind. Once a second costs
/// nothing and ends an orphan quickly.
pub const PARENT_POLL: Duration = Duration::from_secs(1);

/// Runs the kernel until a shutdown request (on control or shell).
pub fn run(config: Arc<Config>, info: ConnectionInfo) -> Result<(), Diagnostic> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error(format!("cannot start the kernel's runtime: {e}")))?;
    rt.block_on(serve(config, info))
}

fn zmq_err(what: &str, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("kernel: {what}: {e}"))
}

async fn serve(config: Arc<Config>, info: ConnectionInfo) -> Result<(), Diagnostic> {
    let signer = Signer::new(&info.key);
    let session_id = uuid::Uuid::new_v4().to_string();

    let mut shell = RouterSocket::new();
    let mut control = RouterSocket::new();
    let mut stdin = RouterSocket::new();
    let mut iopub = PubSocket::new();
    let mut heartbeat = RepSocket::new();
    for (name, socket, port) in [
        ("shell", &mut shell as &mut dyn Bindable, info.shell_port),
        ("control", &mut control, info.control_port),
        ("stdin", &mut stdin, info.stdin_port),
        ("iopub", &mut iopub, info.iopub_port),
        ("heartbeat", &mut heartbeat, info.hb_port),
    ] {
        let endpoint = info.endpoint(port);
        socket
            .bind_to(&endpoint)
            .await
            .map_err(|e| zmq_err(&format!("cannot bind the {name} socket to {endpoint}"), e))?;
    }

    let (iopub_tx, mut iopub_rx) = unbounded_channel::<Message>();
    let (shell_tx, mut shell_rx) = unbounded_channel::<Message>();
    let shutdown = Arc::new(Notify::new());

    // IOPub: one writer, so messages go out in the order they were made.
    let s = signer.clone();
    tokio::spawn(async move {
        while let Some(m) = iopub_rx.recv().await {
            let _ = iopub.send(m.to_zmq(&s)).await;
        }
    });

    // Heartbeat: echo.
    tokio::spawn(async move {
        while let Ok(m) = heartbeat.recv().await {
            if heartbeat.send(m).await.is_err() {
                break;
            }
        }
    });

    // Shell: a reader handing requests to the executor, a writer for replies.
    let (mut shell_send, mut shell_recv) = shell.split();
    let s = signer.clone();
    tokio::spawn(async move {
        while let Some(m) = shell_rx.recv().await {
            let _ = shell_send.send(m.to_zmq(&s)).await;
        }
    });

    let outbox = Outbox {
        iopub: iopub_tx.clone(),
        shell: shell_tx,
        session: session_id.clone(),
    };
    let (jobs_tx, jobs_rx) = std::sync::mpsc::channel::<Message>();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Arc<AtomicBool>>();
    let notify = shutdown.clone();
    let executor_outbox = outbox.clone();
    std::thread::Builder::new()
        .name("dossier-kernel-executor".into())
        .spawn(move || {
            let executor = Executor::new(
                config,
                executor_outbox,
                Box::new(move || notify.notify_one()),
            );
            let _ = ready_tx.send(executor.interrupt_handle());
            executor.run(jobs_rx);
        })
        .map_err(|e| zmq_err("cannot start the executor thread", e))?;
    let interrupt = ready_rx
        .await
        .map_err(|_| Diagnostic::error("kernel: the executor thread failed to start"))?;

    let _ = iopub_tx.send(message::orphan(
        &session_id,
        "status",
        json!({ "execution_state": "starting" }),
    ));

    let s = signer.clone();
    tokio::spawn(async move {
        while let Ok(m) = shell_recv.recv().await {
            match Message::parse(m.into_vec(), &s) {
                Ok(msg) => {
                    if jobs_tx.send(msg).is_err() {
                        break;
                    }
                }
                Err(e) => eprintln!("dossier kernel: dropped a shell message: {e}"),
            }
        }
    });

    // The parent: when it goes, so does the kernel.
    #[cfg(unix)]
    {
        let notify = shutdown.clone();
        // SAFETY: getppid has no preconditions and cannot fail.
        let parent = unsafe { libc::getppid() };
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PARENT_POLL).await;
                // SAFETY: as above.
                if unsafe { libc::getppid() } != parent {
                    notify.notify_one();
                    break;
                }
            }
        });
    }

    // Control: answered here, never queued behind a running cell.
    loop {
        let received = tokio::select! {
            r = control.recv() => r,
            _ = shutdown.notified() => break,
        };
        let Ok(frames) = received else { break };
        let msg = match Message::parse(frames.into_vec(), &signer) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("dossier kernel: dropped a control message: {e}");
                continue;
            }
        };
        outbox.status(&msg, "busy");
        let reply = |content| {
            msg.child(
                &session_id,
                &msg.msg_type().replace("_request", "_reply"),
                content,
            )
        };
        let mut stop = false;
        let answer = match msg.msg_type() {
            "kernel_info_request" => Some(reply(handlers::kernel_info())),
            "interrupt_request" => {
                interrupt.store(true, Ordering::SeqCst);
                Some(reply(json!({ "status": "ok" })))
            }
            "shutdown_request" => {
                stop = true;
                let restart = msg.flag("restart", false);
                Some(reply(json!({ "status": "ok", "restart": restart })))
            }
            "debug_request" => Some(reply(json!({}))),
            _ => None,
        };
        if let Some(a) = answer {
            let _ = control.send(a.to_zmq(&signer)).await;
        }
        outbox.status(&msg, "idle");
        if stop {
            break;
        }
    }
    // A running cell stops at its next operation; the process ends anyway.
    interrupt.store(true, Ordering::SeqCst);
    tokio::time::sleep(SHUTDOWN_FLUSH).await;
    Ok(())
}

/// Binding any of the socket types through one loop.
trait Bindable {
    fn bind_to<'a>(
        &'a mut self,
        endpoint: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = zeromq::ZmqResult<zeromq::Endpoint>> + 'a>,
    >;
}

impl<S: Socket> Bindable for S {
    fn bind_to<'a>(
        &'a mut self,
        endpoint: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = zeromq::ZmqResult<zeromq::Endpoint>> + 'a>,
    > {
        Box::pin(self.bind(endpoint))
    }
}

//! The script engine: a Rhai [`Engine`] configured with the project's
//! limits, the sandboxed module resolver, and the bindings, one file per
//! topic ([`io`], [`frame`], [`expr`]).
//!
//! A [`Session`] owns one engine and one scope. `dossier run` uses a fresh
//! session per run; the REPL (and later the notebook kernel) keeps one
//! session across inputs so variables and functions persist.

pub mod bindings;
pub mod cells;
pub mod chart;
pub mod complete;
pub mod display;
pub mod docs;
pub mod edition;
pub mod errors;
pub mod expr;
pub mod figures;
pub mod frame;
pub mod io;
pub mod parsed;
pub mod snapshot;
pub mod syntax;
pub mod template;
pub mod values;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rhai::{Dynamic, Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared, AST};

use crate::config::{Config, ParamValue, Params};
use crate::data::Catalogue;
use crate::diag::Diagnostic;
use crate::host::Host;

/// Where printed text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `print(…)`.
    Stdout,
    /// `debug(…)`.
    Stderr,
}

/// Receives everything a script prints.
pub type Sink = Arc<dyn Fn(Stream, &str) + Send + Sync>;

/// A sink that writes to the process's stdout and stderr.
pub fn stdio_sink() -> Sink {
    Arc::new(|stream, text| {
        use std::io::Write;
        match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            Stream::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    })
}

/// A sink that writes everything to stderr (for front ends whose stdout is
/// their own, such as `render`).
pub fn stderr_sink() -> Sink {
    Arc::new(|_, text| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    })
}

/// Receives the values a script passes to `display(value)`. Front ends that
/// show rich output (the notebook kernel, notebook pages) set one; without
/// it, `display` prints the value's text.
pub type DisplaySink = Arc<dyn Fn(&Dynamic) + Send + Sync>;

/// State shared by the bindings of one session.
pub struct Ctx {
    pub config: Arc<Config>,
    pub host: Arc<Host>,
    catalogue: Mutex<Option<Arc<Catalogue>>>,
    started: Mutex<Instant>,
    interrupt: Arc<AtomicBool>,
    /// A flag owned by the caller (watch mode) that stops every run of this
    /// session once set; unlike `interrupt`, a new run does not clear it.
    cancel: OnceLock<Arc<AtomicBool>>,
    display: Mutex<Option<DisplaySink>>,
    /// The report this session renders (name, language code), set by the
    /// pipeline; `changes()` compares with that report's previous edition.
    report: OnceLock<(String, String)>,
}

impl Ctx {
    /// The report being rendered (name, language code), if any.
    pub fn report(&self) -> Option<(String, String)> {
        self.report.get().cloned()
    }

    /// The data catalogue, loaded (through the host) on first use in a run.
    pub fn catalogue(&self) -> Result<Arc<Catalogue>, Diagnostic> {
        let mut slot = self
            .catalogue
            .lock()
            .map_err(|_| Diagnostic::error("catalogue lock poisoned"))?;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = Arc::new(Catalogue::load(&self.config, &self.host)?);
        *slot = Some(c.clone());
        Ok(c)
    }

    fn start_run(&self) {
        if let Ok(mut s) = self.started.lock() {
            *s = Instant::now();
        }
        if let Ok(mut c) = self.catalogue.lock() {
            *c = None;
        }
        self.interrupt.store(false, Ordering::SeqCst);
    }
}

/// Starts building, on a helper thread, the expression, frame and figure
/// bindings every run shares ([`bindings::shared`]), while the calling
/// thread goes on to build its run's engine, whose first part is Rhai's
/// standard library: the two halves are then built side by side rather
/// than one after the other (`dossier run` calls this first). Calling it
/// again does nothing; without it each part is built on first use.
pub fn prewarm() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("dossier-prewarm".into())
            .spawn(bindings::shared);
    });
}

/// Builds, on the calling thread, what every run of the process shares:
/// the bindings of [`prewarm`], Polars' thread pool and its async runtime.
/// For a front end whose thread would otherwise only wait for its runs:
/// `render` calls it once its report threads are started, so the first
/// report builds Rhai's standard library meanwhile.
pub fn warm_up() {
    bindings::shared();
    std::sync::LazyLock::force(&polars_core::runtime::THREAD_POOL);
    std::sync::LazyLock::force(&polars_async::ASYNC);
}

/// The value `on_progress` returns to stop a run, naming the reason.
const STOP_TIME: &str = "time";
const STOP_INTERRUPT: &str = "interrupt";

/// Reads modules (`import "lib/helpers" as h;`) through the host: sandboxed,
/// recorded for watch mode, paths relative to the importing file.
struct HostResolver {
    host: Arc<Host>,
    /// The engine's limits, which its parses depend on ([`parsed`]).
    limits: crate::config::Limits,
}

impl ModuleResolver for HostResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let base: PathBuf = source
            .map(|s| self.host.root().join(s))
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| self.host.root().to_path_buf());
        let file = if Path::new(path).extension().is_some() {
            path.to_string()
        } else {
            format!("{path}.rhai")
        };
        let (abs, text) = self.host.read_source(&file, &base).map_err(|d| {
            Box::new(EvalAltResult::ErrorModuleNotFound(
                format!("{path} ({})", d.message),
                pos,
            ))
        })?;
        let display = self.host.show(&abs);
        let limits = &self.limits;
        let mut ast = parsed::compile(engine, limits, &abs, &text).map_err(|e| {
            Box::new(EvalAltResult::ErrorInModule(
                display.clone(),
                Box::new(e.into()),
                pos,
            ))
        })?;
        ast.set_source(display.as_str());
        let m = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(display.clone(), e, pos)))?;
        Ok(Shared::new(m))
    }
}

/// An engine, a scope, and the context the bindings share.
pub struct Session {
    engine: Engine,
    scope: Scope<'static>,
    ctx: Arc<Ctx>,
    /// Functions defined by earlier inputs (REPL, cells).
    lib: AST,
    /// The input (display name) that defined each of those functions, so an
    /// error inside one points at the input that holds its text.
    fn_sources: std::collections::HashMap<String, String>,
}

impl Session {
    /// A session for the project in `config`, with run parameters `params`
    /// (already overlaid on the defaults), printing into `sink`.
    pub fn new(config: Arc<Config>, params: &Params, sink: Sink) -> Session {
        let host = Arc::new(Host::new(&config));
        let ctx = Arc::new(Ctx {
            config: config.clone(),
            host: host.clone(),
            catalogue: Mutex::new(None),
            started: Mutex::new(Instant::now()),
            interrupt: Arc::new(AtomicBool::new(false)),
            cancel: OnceLock::new(),
            display: Mutex::new(None),
            report: OnceLock::new(),
        });
        values::configure_display();
        let engine = build_engine(&ctx, sink);
        let mut scope = Scope::new();
        scope.push_constant("params", params_map(params));
        Session {
            engine,
            scope,
            ctx,
            lib: AST::empty(),
            fn_sources: Default::default(),
        }
    }

    /// The shared context (host, config).
    pub fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }

    /// The host of this session.
    pub fn host(&self) -> &Host {
        &self.ctx.host
    }

    /// The engine (for signatures and completion).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The variables in scope with their values, in declaration order (a
    /// name declared again comes again, later; the last one is the value
    /// the name has now).
    pub fn scope_values(&self) -> Vec<(String, Dynamic)> {
        // Rhai's raw iterator runs newest first.
        let mut values: Vec<(String, Dynamic)> = self
            .scope
            .iter_raw()
            .map(|(n, _, v)| (n.to_string(), v.clone()))
            .collect();
        values.reverse();
        values
    }

    /// The functions earlier inputs defined: (name, parameter names).
    pub fn functions(&self) -> Vec<(String, Vec<String>)> {
        self.lib
            .iter_functions()
            .map(|f| {
                (
                    f.name.to_string(),
                    f.params.iter().map(|p| p.to_string()).collect(),
                )
            })
            .collect()
    }

    /// Names of the variables in scope.
    pub fn variables(&self) -> Vec<String> {
        self.scope
            .iter_raw()
            .map(|(n, _, _)| n.to_string())
            .collect()
    }

    /// A flag that, once set, stops the running script at its next operation.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.ctx.interrupt.clone()
    }

    /// Stops this session's runs as soon as `flag` is set (checked at every
    /// Rhai operation). The caller keeps the flag; a session takes one such
    /// flag for its lifetime (a second call is ignored). A long call inside
    /// Rust, such as one Polars `collect`, is not interrupted: the run stops
    /// at the first operation after it returns.
    pub fn cancel_on(&self, flag: Arc<AtomicBool>) {
        let _ = self.ctx.cancel.set(flag);
    }

    /// Marks this session as rendering report `name` in language `lang`
    /// (a session renders one report; a second call is ignored).
    pub fn set_report(&self, name: &str, lang: &str) {
        let _ = self.ctx.report.set((name.to_string(), lang.to_string()));
    }

    /// Whether the flag given to [`Session::cancel_on`] has been set.
    pub fn cancelled(&self) -> bool {
        self.ctx
            .cancel
            .get()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// Sends the values passed to `display(value)` to `sink` (or, with
    /// `None`, back to printing their text).
    pub fn set_display(&self, sink: Option<DisplaySink>) {
        if let Ok(mut d) = self.ctx.display.lock() {
            *d = sink;
        }
    }

    /// Evaluates source text under a display name without touching the
    /// host's record of files read, so a caller can see what this input read
    /// (the notebook cache keys each cell by the files it read).
    pub fn eval_cell(&mut self, name: &str, code: &str) -> Result<Dynamic, Diagnostic> {
        self.ctx.host.reset_accesses();
        self.eval_source(name, code)
    }

    /// Defines the functions of `code` without running it (restoring cached
    /// cells: their functions must exist for later cells).
    pub fn define_functions(&mut self, name: &str, code: &str) -> Result<(), Diagnostic> {
        self.ctx.host.add_source(Path::new(name), code.into());
        let mut ast = self
            .engine
            .compile_with_scope(&self.scope, code)
            .map_err(|e| errors::to_diagnostic(&EvalAltResult::from(e), name, self))?;
        ast.set_source(name);
        for f in ast.iter_functions() {
            self.fn_sources.insert(f.name.to_string(), name.to_string());
        }
        self.lib = self.lib.merge(&ast.clone_functions_only());
        Ok(())
    }

    /// Adds a variable (restoring a snapshot into a fresh session).
    pub fn set_variable(&mut self, name: &str, value: Dynamic) {
        if name == "params" {
            return;
        }
        self.scope.push_dynamic(name.to_string(), value);
    }

    /// Runs a script file (path relative to the project root or absolute) in
    /// this session's scope. Files read are recorded on the host.
    pub fn run_file(&mut self, path: &Path) -> Result<Dynamic, Diagnostic> {
        self.ctx.host.reset();
        self.ctx.start_run();
        let root = self.ctx.host.root().to_path_buf();
        let (abs, text) = self.ctx.host.read_source(
            &path.to_string_lossy(),
            &std::env::current_dir().unwrap_or(root),
        )?;
        let display = self.ctx.host.show(&abs);
        if !cells::has_cells(&text) {
            let ast = parsed::compile(&self.engine, &self.ctx.config.limits, &abs, &text)
                .map_err(|e| errors::to_diagnostic(&EvalAltResult::from(e), &display, self))?;
            return self.eval_ast(&display, ast);
        }
        // A script with `// %%` cells runs cell by cell in one scope, as a
        // notebook does, so a cell may end in a bare expression. Each cell is
        // padded to its line in the file so positions stay file positions.
        let mut value = Dynamic::UNIT;
        for cell in cells::parse(&text) {
            if cell.kind != cells::CellKind::Code || cell.source.trim().is_empty() {
                continue;
            }
            let code = format!(
                "{}{}",
                "\n".repeat(cell.line.saturating_sub(1)),
                cell.source
            );
            value = self.eval_named(&display, &code)?;
        }
        Ok(value)
    }

    /// Evaluates source text under a display name (REPL input, a cell),
    /// keeping variables and functions for the next input.
    pub fn eval_source(&mut self, name: &str, code: &str) -> Result<Dynamic, Diagnostic> {
        self.ctx.start_run();
        self.ctx.host.add_source(Path::new(name), code.into());
        self.eval_named(name, code)
    }

    fn eval_named(&mut self, name: &str, code: &str) -> Result<Dynamic, Diagnostic> {
        let ast = self
            .engine
            .compile_with_scope(&self.scope, code)
            .map_err(|e| errors::to_diagnostic(&EvalAltResult::from(e), name, self))?;
        self.eval_ast(name, ast)
    }

    /// Runs a parsed input under a display name, keeping its functions for
    /// the next input.
    fn eval_ast(&mut self, name: &str, mut ast: AST) -> Result<Dynamic, Diagnostic> {
        ast.set_source(name);
        let functions = ast.clone_functions_only();
        let full = self.lib.merge(&ast);
        let before = self.fn_sources.clone();
        for f in functions.iter_functions() {
            self.fn_sources.insert(f.name.to_string(), name.to_string());
        }
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &full);
        match result {
            Ok(v) => {
                self.lib = self.lib.merge(&functions);
                Ok(v)
            }
            Err(e) => {
                let d = errors::to_diagnostic(&e, name, self);
                self.fn_sources = before;
                Err(d)
            }
        }
    }

    /// The input that defined function `name` (REPL input, cell), if an
    /// earlier input did.
    pub fn function_source(&self, name: &str) -> Option<&str> {
        self.fn_sources.get(name).map(String::as_str)
    }

    /// Parses source text without running it.
    pub fn check_syntax(&self, name: &str, code: &str) -> Result<(), Diagnostic> {
        self.ctx.host.add_source(Path::new(name), code.into());
        self.engine
            .compile(code)
            .map(|_| ())
            .map_err(|e| errors::to_diagnostic(&EvalAltResult::from(e), name, self))
    }
}

/// A session over an empty project in a temporary folder (kept as long as
/// the returned folder lives), for unit tests.
#[cfg(test)]
pub(crate) fn test_session(sink: Sink) -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Arc::new(Config::load(dir.path()).expect("config"));
    let params = config.params.clone();
    let session = Session::new(config, &params, sink);
    (dir, session)
}

/// The `params` map a script sees.
pub fn params_map(params: &Params) -> rhai::Map {
    params
        .iter()
        .map(|(k, v)| {
            let d: Dynamic = match v {
                ParamValue::Int(i) => (*i).into(),
                ParamValue::Float(f) => (*f).into(),
                ParamValue::Bool(b) => (*b).into(),
                ParamValue::Str(s) => s.clone().into(),
            };
            (k.as_str().into(), d)
        })
        .collect()
}

/// Strings a run's engine interns, as `Engine::new()` sets it.
const MAX_STRINGS_INTERNED: usize = 256;

/// Builds an engine with the project's limits and all bindings.
fn build_engine(ctx: &Arc<Ctx>, sink: Sink) -> Engine {
    let limits = &ctx.config.limits;
    // `Engine::new()` without its two parts we replace anyway (the file
    // module resolver, the default print and debug) and with the standard
    // library built once per process instead of once per run.
    let mut engine = Engine::new_raw();
    engine.set_max_strings_interned(MAX_STRINGS_INTERNED);
    engine.register_global_module(bindings::standard_library());
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth);
    engine.set_module_resolver(HostResolver {
        host: ctx.host.clone(),
        limits: limits.clone(),
    });

    let max = std::time::Duration::from_secs_f64(limits.max_seconds);
    let progress_ctx = ctx.clone();
    engine.on_progress(move |ops| {
        if progress_ctx.interrupt.load(Ordering::Relaxed)
            || progress_ctx
                .cancel
                .get()
                .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Some(Dynamic::from(STOP_INTERRUPT));
        }
        // Reading the clock every operation is measurable; every 256 is not.
        if ops % 256 == 0 {
            if let Ok(s) = progress_ctx.started.lock() {
                if s.elapsed() > max {
                    return Some(Dynamic::from(STOP_TIME));
                }
            }
        }
        None
    });
    let out = sink.clone();
    engine.on_print(move |s| out(Stream::Stdout, s));
    let err = sink.clone();
    engine.on_debug(move |s, _src, _pos| err(Stream::Stderr, s));
    display::register(&mut engine, ctx, sink);

    // Expressions, frames and figures: one module per process.
    engine.register_global_module(bindings::shared());
    io::register(&mut engine, ctx);
    chart::register(&mut engine, ctx);
    template::register(&mut engine, ctx);
    edition::register(&mut engine, ctx);
    register_error_type(&mut engine);
    engine
}

/// Errors raised by bindings carry a [`Diagnostic`]; a script that catches
/// one (`try { … } catch (e) { … }`) sees an `Error` with its `message`,
/// `notes` and `help`, printed as its message.
fn register_error_type(engine: &mut Engine) {
    engine
        .register_type_with_name::<Diagnostic>("Error")
        .register_fn("to_string", |d: &mut Diagnostic| d.message.clone())
        .register_fn("to_debug", |d: &mut Diagnostic| d.message.clone())
        .register_get("message", |d: &mut Diagnostic| d.message.clone())
        .register_get("help", |d: &mut Diagnostic| {
            d.help.clone().map_or(Dynamic::UNIT, Dynamic::from)
        })
        .register_get("notes", |d: &mut Diagnostic| {
            d.notes
                .iter()
                .map(|n| Dynamic::from(n.clone()))
                .collect::<rhai::Array>()
        });
}

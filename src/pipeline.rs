//! The one run pipeline. `dossier run` calls [`run_script`]; the briefing
//! renderer, watch mode, the scheduler and the notebook kernel are built on
//! the same call, so evaluation is implemented once.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Config, Params};
use crate::diag::Diagnostic;
use crate::host::Access;
use crate::script::{Session, Sink};

/// What one run produced, besides what it printed.
#[derive(Debug)]
pub struct RunReport {
    /// The value of the script's last expression, as text (empty for `()`).
    pub value: String,
    /// Every file read, and every file looked for and missing.
    pub accesses: Vec<Access>,
    pub duration: Duration,
}

/// Runs `script` for the project in `config` with `params` (over the
/// defaults in dossier.toml), sending printed output to `sink`.
pub fn run_script(
    config: Arc<Config>,
    script: &Path,
    params: &Params,
    sink: Sink,
) -> Result<RunReport, (Diagnostic, Vec<Access>)> {
    let started = Instant::now();
    let params = config.params_with(params);
    let mut session = Session::new(config, &params, sink);
    match session.run_file(script) {
        Ok(v) => Ok(RunReport {
            value: if v.is_unit() {
                String::new()
            } else {
                v.to_string()
            },
            accesses: session.host().accesses(),
            duration: started.elapsed(),
        }),
        Err(d) => Err((d, session.host().accesses())),
    }
}

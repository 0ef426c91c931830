//! One run of a job, as its own process (`dossier schedule exec`, started
//! by the scheduler or a trigger): renders each of the job's reports with
//! the parameters of the scheduled time into the run's staging folder,
//! through the same [`render_report_to`] as `dossier render`, and leaves a
//! result file there for the parent. The parent publishes the folder only
//! if every report succeeded; a run that fails, times out or is killed
//! leaves the archive and `out/latest/` untouched.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::pipeline::render_report_to;
use crate::render::report::reports;
use crate::schedule::job;
use crate::script::stderr_sink;

/// The result file a run leaves in its staging folder (not archived).
pub const RESULT_FILE: &str = ".result.json";

/// The run's own output (script prints, progress, the error), kept with the
/// archived outputs.
pub const LOG_FILE: &str = "run.log";

/// What a run produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExecResult {
    pub ok: bool,
    pub outputs: Vec<ExecOutput>,
    /// The diagnostic, rendered for a terminal, when the run failed.
    pub error: Option<String>,
}

/// One output file, relative to the staging folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecOutput {
    pub report: String,
    pub file: String,
    pub bytes: u64,
}

/// Runs job `name` for the occurrence `scheduled`, writing into `staging`
/// (a folder inside the output folder), and records the result there.
pub fn execute(
    config: Arc<Config>,
    name: &str,
    scheduled: DateTime<Utc>,
    staging: &Path,
) -> ExecResult {
    // The first line of run.log: when the run's process began (the
    // benchmark compares it with the scheduled time).
    eprintln!(
        "dossier: run process started at {}",
        crate::schedule::history::stamp(Utc::now())
    );
    let result = match render_all(config, name, scheduled, staging) {
        Ok(outputs) => ExecResult {
            ok: true,
            outputs,
            error: None,
        },
        Err(d) => {
            eprint!("{}", d.render());
            ExecResult {
                ok: false,
                outputs: Vec::new(),
                error: Some(d.render()),
            }
        }
    };
    let json = serde_json::to_vec_pretty(&result).unwrap_or_default();
    if let Err(e) = crate::host::atomic_write(&staging.join(RESULT_FILE), |f| {
        std::io::Write::write_all(f, &json)
    }) {
        eprintln!("cannot write the run's result file: {e}");
    }
    result
}

fn render_all(
    config: Arc<Config>,
    name: &str,
    scheduled: DateTime<Utc>,
    staging: &Path,
) -> Result<Vec<ExecOutput>, Diagnostic> {
    let staging = crate::config::normalize(staging);
    if !staging.starts_with(&config.output_dir) || staging == config.output_dir {
        return Err(Diagnostic::error(format!(
            "the staging folder {} is not inside the output folder {}",
            staging.display(),
            config.output_dir.display()
        )));
    }
    let jobs = job::jobs(&config)?;
    let spec = job::find(&jobs, name)?;
    let all = reports(&config)?;
    let params = spec.params_at(scheduled);
    let mut outputs = Vec::new();
    for report in &spec.reports {
        let r = all
            .iter()
            .find(|r| &r.name == report)
            .ok_or_else(|| Diagnostic::error(format!("unknown report `{report}`")))?;
        eprintln!(
            "dossier: rendering report `{report}` for {} (scheduled {})",
            spec.name,
            scheduled.with_timezone(&spec.tz).to_rfc3339()
        );
        let rendered = render_report_to(
            config.clone(),
            r,
            &params,
            &spec.formats_for(r),
            stderr_sink(),
            &staging,
        )
        .map_err(|(d, _)| {
            d.with_note(format!(
                "while rendering report `{report}` of schedule `{name}`"
            ))
        })?;
        let first = outputs.len();
        for o in &rendered.outputs {
            let file = o
                .path
                .strip_prefix(&staging)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| o.path.to_string_lossy().into_owned());
            outputs.push(ExecOutput {
                report: report.clone(),
                file,
                bytes: o.bytes,
            });
        }
        // The edition's manifest goes into the staging folder: it is
        // published with the outputs, or not at all.
        let recording = crate::edition::Recording {
            report,
            job: Some(name),
            scheduled: Some(scheduled.with_timezone(&spec.tz).fixed_offset()),
            params: &rendered.params,
            accesses: &rendered.accesses,
            outputs: outputs[first..].iter().map(|o| o.file.clone()).collect(),
        };
        crate::edition::write_manifest(&config, &recording, &staging)?;
    }
    Ok(outputs)
}

/// Reads the result a run left in `staging`, if it left one.
pub fn read_result(staging: &Path) -> Option<ExecResult> {
    let bytes = std::fs::read(staging.join(RESULT_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

//! Black-box tests through the real `dossier` binary. One test binary
//! (faster to link than one per file); one module per feature; fixture
//! projects under `tests/fixtures/<feature>/`.

mod harness;
mod python;

mod api_docs;
mod briefings;
mod charts;
mod check;
mod data;
mod errors;
mod kernel;
mod layers;
mod new_project;
mod notebook;
mod pdf;
mod readme;
mod repl;
mod run;
mod sandbox;
mod schedule;
mod scripts;
mod serve;
mod watch;

//! Notebooks: a script with cells is a notebook.
//!
//! - [`cells`]: the percent format (`// %%`, `// %% [markdown]`) in and out;
//! - [`output`]: what a cell produces (streams, display data, results,
//!   errors), shared with the Jupyter kernel;
//! - [`run`]: runs the cells in order in one session, with the cell cache;
//! - [`html`]: the notebook page (code highlighted by [`highlight`]);
//! - [`ipynb`]: nbformat 4 notebooks, out and back in.

/// The percent cell format lives with the script engine, which runs cell
/// scripts (`dossier run`); notebooks use it from there.
pub use crate::script::cells;
pub mod highlight;
pub mod html;
pub mod ipynb;
pub mod output;
pub mod run;

//! Chart bindings: `chart(kind, frame, options)`, `c.svg()`, `c.save(path)`.

use std::sync::Arc;

use rhai::Engine;

use super::docs::Doc;
use super::Ctx;

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[];

/// Registers the chart API.
pub fn register(_engine: &mut Engine, _ctx: &Arc<Ctx>) {}

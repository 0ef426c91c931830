//! The script functions that need nothing of a run, built once per process
//! into Rhai [`Module`]s that every run's engine shares: Rhai's standard
//! library ([`standard_library`]) and our expressions, frames and figures
//! ([`shared`]).
//!
//! Registering them into each run's engine built and dropped some five
//! hundred functions per report. [`Bindings`] offers the three calls the
//! topic files use (`register_fn`, `register_get`,
//! `register_type_with_name`) with `Engine`'s signatures, and records each
//! function's parameter and return types the way `Engine::register_fn`
//! does, so signatures, completion and help read the same.
//!
//! The bindings that read a run's context (`io`, `chart`, `template`,
//! `display`, `edition`) are still registered into each run's engine.

use std::any::TypeId;
use std::sync::OnceLock;

use rhai::{Engine, FuncRegistration, Module, RhaiNativeFunc, Shared};

/// A module being filled with script functions.
pub struct Bindings {
    module: Module,
    /// Knows the type names registered so far, to write signatures with
    /// them (as a run's engine would).
    types: Engine,
}

impl Bindings {
    fn new() -> Self {
        Bindings {
            module: Module::new(),
            types: Engine::new_raw(),
        }
    }

    /// Registers a function, as `Engine::register_fn`.
    pub fn register_fn<
        A: 'static,
        const N: usize,
        const X: bool,
        R: Clone + Send + Sync + 'static,
        const F: bool,
    >(
        &mut self,
        name: impl AsRef<str>,
        func: impl RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
    ) -> &mut Self {
        let info = self.params_info(&func);
        FuncRegistration::new(name.as_ref())
            .with_params_info(info.iter().map(String::as_str).collect::<Vec<_>>())
            .in_global_namespace()
            .set_into_module(&mut self.module, func);
        self
    }

    /// Registers a property getter, as `Engine::register_get`.
    pub fn register_get<
        A: 'static,
        const N: usize,
        const X: bool,
        R: Clone + Send + Sync + 'static,
        const F: bool,
    >(
        &mut self,
        name: impl AsRef<str>,
        get_fn: impl RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
    ) -> &mut Self {
        self.register_fn(format!("get${}", name.as_ref()), get_fn)
    }

    /// Names a custom type, as `Engine::register_type_with_name`.
    pub fn register_type_with_name<T: Clone + Send + Sync + 'static>(
        &mut self,
        name: &str,
    ) -> &mut Self {
        self.module.set_custom_type::<T>(name);
        self.types.register_type_with_name::<T>(name);
        self
    }

    /// `_: Type` per parameter, then the return type: what
    /// `FuncRegistration::register_into_engine` records.
    fn params_info<A: 'static, const N: usize, const X: bool, R: 'static, const F: bool, FUNC>(
        &self,
        _func: &FUNC,
    ) -> Vec<String>
    where
        FUNC: RhaiNativeFunc<A, N, X, R, F>,
    {
        let mut info: Vec<String> = FUNC::param_names()
            .iter()
            .map(|ty| format!("_: {}", self.type_name(ty)))
            .collect();
        if FUNC::return_type() != TypeId::of::<()>() {
            info.push(self.type_name(FUNC::return_type_name()));
        }
        info
    }

    /// A Rust type's name in scripts (Rhai's `format_param_type`).
    fn type_name(&self, name: &str) -> String {
        if let Some(inner) = name.strip_prefix("&mut ") {
            let mapped = self.type_name(inner);
            return if mapped == inner {
                name.to_string()
            } else {
                format!("&mut {mapped}")
            };
        }
        self.types.map_type_name(name).to_string()
    }
}

/// Rhai's standard library (`StandardPackage`, what `Engine::new()`
/// registers), built once per process and shared by every run's engine:
/// building it registered some thousand functions per report (4 % of the
/// CPU of rendering both briefings) and dropping them again.
pub fn standard_library() -> Shared<Module> {
    use rhai::packages::{Package, StandardPackage};
    static LIBRARY: OnceLock<Shared<Module>> = OnceLock::new();
    LIBRARY
        .get_or_init(|| StandardPackage::new().as_shared_module())
        .clone()
}

/// The module of expression, frame and figure functions, built on first
/// use.
pub fn shared() -> Shared<Module> {
    static MODULE: OnceLock<Shared<Module>> = OnceLock::new();
    MODULE
        .get_or_init(|| {
            let mut b = Bindings::new();
            super::expr::register(&mut b);
            super::frame::register(&mut b);
            super::figures::register(&mut b);
            let mut module = b.module;
            module.build_index();
            Shared::new(module)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_functions_keep_their_script_signatures() {
        let mut engine = Engine::new_raw();
        engine.register_global_module(shared());
        let signatures = engine.gen_fn_signatures(false);
        // Parameter types read with the names scripts know them by, as when
        // they were registered into each engine.
        for want in [
            "filter(_: &mut LazyFrame, _: ",
            "filter(_: &mut DataFrame, _: ",
            "col(_: string) -> Expr",
        ] {
            assert!(
                signatures.iter().any(|s| s.starts_with(want)),
                "no signature starts with {want:?}"
            );
        }
        assert!(!signatures.iter().any(|s| s.contains("(_: &mut dossier::")));
    }
}

//! What the tests need from the machine, and what to do about what is
//! missing. Pure logic over a description of the machine (no side effects),
//! so every case — root, sudo, neither, no apt-get — is unit-tested here.

/// A Debian package the tests need, the programs that show it is installed,
/// and why the tests need it (printed when it is installed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Package {
    /// The Debian (and Ubuntu) package name.
    pub name: &'static str,
    /// Programs it puts on `PATH`; the package is needed when any is absent
    /// (empty: the probe checks it another way).
    pub programs: &'static [&'static str],
    /// Which tests need it, in a few words.
    pub why: &'static str,
}

/// poppler-utils: the PDF tests read every PDF back.
pub const POPPLER: Package = Package {
    name: "poppler-utils",
    programs: &["pdfinfo", "pdftotext", "pdffonts"],
    why: "the PDF tests read every PDF back with poppler (pages, text, embedded fonts)",
};

/// Debian's chromium: the browser tests (live reload, phone-width layout).
pub const CHROMIUM: Package = Package {
    name: "chromium",
    programs: &["chromium"],
    why: "the browser tests run headless Chromium (live reload in `dossier serve`, \
          the briefings' layout on a phone-width screen)",
};

/// python3-venv: the kernel tests make a virtualenv with `python3 -m venv`
/// (Debian splits `venv`'s pip bootstrap out of `python3`). Checked by
/// importing `venv` and `ensurepip`, and only while `.venv/` is not ready.
pub const PYTHON_VENV: Package = Package {
    name: "python3-venv",
    programs: &[],
    why: "the kernel tests run the Jupyter project's test suite from a virtualenv \
          made with `python3 -m venv`",
};

/// The system packages the tests need, in the order they are installed.
pub const PACKAGES: [Package; 3] = [POPPLER, CHROMIUM, PYTHON_VENV];

/// One thing the tests need that this machine lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// What is absent, as a user would look for it ("pdfinfo, pdftotext").
    pub what: String,
    /// The package that provides it.
    pub package: Package,
}

/// What the probe found out about the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// What the tests need and the machine lacks.
    pub missing: Vec<Missing>,
    /// Running as root (uid 0).
    pub root: bool,
    /// `sudo` is on `PATH`.
    pub sudo: bool,
    /// `apt-get` is on `PATH` (Debian, Ubuntu).
    pub apt: bool,
}

/// What `cargo xtask` will do before the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Everything is installed: go straight to the tests.
    Ready,
    /// Install these packages, through sudo when `sudo` is set.
    Install {
        /// The packages, each once, in [`PACKAGES`] order.
        packages: Vec<Package>,
        /// Prefix the apt-get commands with `sudo`.
        sudo: bool,
    },
    /// Cannot install them here: the message to print (what is missing and
    /// the command that installs it); no test runs.
    Blocked(String),
}

/// Decides what to do about what the machine lacks.
pub fn plan(machine: &Machine) -> Plan {
    if machine.missing.is_empty() {
        return Plan::Ready;
    }
    let packages = packages(&machine.missing);
    if !machine.apt {
        return Plan::Blocked(blocked(
            &machine.missing,
            "apt-get is not on PATH (this is not Debian or Ubuntu), so `cargo xtask` \
             cannot install them. Install the same programs with this system's package \
             manager; on Debian or Ubuntu the command is:",
            &install_line(&packages, !machine.root),
        ));
    }
    if !machine.root && !machine.sudo {
        return Plan::Blocked(blocked(
            &machine.missing,
            "This user is not root and sudo is not installed, so `cargo xtask` cannot \
             install them. As root, run:",
            &install_line(&packages, false),
        ));
    }
    Plan::Install {
        packages,
        sudo: !machine.root,
    }
}

/// The packages that provide what is missing, each once, in [`PACKAGES`] order.
pub fn packages(missing: &[Missing]) -> Vec<Package> {
    PACKAGES
        .into_iter()
        .filter(|p| missing.iter().any(|m| m.package == *p))
        .collect()
}

/// The apt-get commands that install `packages`: an index update, then the
/// install (no recommended extras: the tests need only the programs).
pub fn apt_commands(packages: &[Package], sudo: bool) -> [Vec<String>; 2] {
    let prefix: Vec<String> = if sudo {
        vec!["sudo".into()]
    } else {
        Vec::new()
    };
    let mut update = prefix.clone();
    update.extend(["apt-get".into(), "update".into()]);
    let mut install = prefix;
    install.extend(
        ["apt-get", "install", "-y", "--no-install-recommends"]
            .into_iter()
            .map(String::from),
    );
    install.extend(packages.iter().map(|p| p.name.to_string()));
    [update, install]
}

/// The install commands as one shell line a user can paste.
pub fn install_line(packages: &[Package], sudo: bool) -> String {
    let [update, install] = apt_commands(packages, sudo);
    format!("{} && {}", update.join(" "), install.join(" "))
}

/// One line per missing thing: what, which package, why.
pub fn missing_list(missing: &[Missing]) -> String {
    missing
        .iter()
        .map(|m| {
            format!(
                "  - {} (Debian package {}): {}\n",
                m.what, m.package.name, m.package.why
            )
        })
        .collect()
}

/// The message for a machine where the tests cannot be set up: what is
/// missing, why it cannot be installed here, the command that installs it.
pub fn blocked(missing: &[Missing], reason: &str, command: &str) -> String {
    format!(
        "error: the tests need programs this machine does not have:\n{}{reason}\n    {command}\n\
         then run `cargo xtask test` again. No test was run.",
        missing_list(missing)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing_all() -> Vec<Missing> {
        vec![
            Missing {
                what: "pdfinfo, pdftotext, pdffonts".into(),
                package: POPPLER,
            },
            Missing {
                what: "chromium".into(),
                package: CHROMIUM,
            },
        ]
    }

    fn machine(missing: Vec<Missing>, root: bool, sudo: bool, apt: bool) -> Machine {
        Machine {
            missing,
            root,
            sudo,
            apt,
        }
    }

    #[test]
    fn nothing_missing_is_ready_whoever_runs_it() {
        for (root, sudo, apt) in [(true, false, true), (false, false, false)] {
            assert_eq!(plan(&machine(vec![], root, sudo, apt)), Plan::Ready);
        }
    }

    #[test]
    fn root_installs_without_sudo() {
        assert_eq!(
            plan(&machine(missing_all(), true, false, true)),
            Plan::Install {
                packages: vec![POPPLER, CHROMIUM],
                sudo: false
            }
        );
    }

    #[test]
    fn a_user_with_sudo_installs_through_sudo() {
        let p = plan(&machine(missing_all(), false, true, true));
        let Plan::Install { packages, sudo } = p else {
            panic!("{p:?}")
        };
        assert!(sudo);
        let [update, install] = apt_commands(&packages, sudo);
        assert_eq!(update.join(" "), "sudo apt-get update");
        assert_eq!(
            install.join(" "),
            "sudo apt-get install -y --no-install-recommends poppler-utils chromium"
        );
    }

    #[test]
    fn without_root_or_sudo_it_names_what_is_missing_and_the_root_command() {
        let Plan::Blocked(msg) = plan(&machine(missing_all(), false, false, true)) else {
            panic!()
        };
        for needle in [
            "pdfinfo, pdftotext, pdffonts (Debian package poppler-utils)",
            "chromium (Debian package chromium)",
            "not root and sudo is not installed",
            "    apt-get update && apt-get install -y --no-install-recommends \
             poppler-utils chromium\n",
            "No test was run.",
        ] {
            assert!(msg.contains(needle), "{needle:?} not in:\n{msg}");
        }
    }

    #[test]
    fn without_apt_get_it_gives_the_debian_command_for_reference() {
        for root in [true, false] {
            let Plan::Blocked(msg) = plan(&machine(missing_all(), root, true, false)) else {
                panic!()
            };
            assert!(msg.contains("apt-get is not on PATH"), "{msg}");
            let sudo = if root { "" } else { "sudo " };
            assert!(
                msg.contains(&format!(
                    "{sudo}apt-get update && {sudo}apt-get install -y --no-install-recommends \
                     poppler-utils chromium"
                )),
                "{msg}"
            );
        }
    }

    #[test]
    fn each_package_is_installed_once_in_a_fixed_order() {
        let missing = vec![
            Missing {
                what: "python3".into(),
                package: PYTHON_VENV,
            },
            Missing {
                what: "pdffonts".into(),
                package: POPPLER,
            },
            Missing {
                what: "pdfinfo".into(),
                package: POPPLER,
            },
        ];
        assert_eq!(packages(&missing), vec![POPPLER, PYTHON_VENV]);
        assert_eq!(
            install_line(&packages(&missing), true),
            "sudo apt-get update && sudo apt-get install -y --no-install-recommends \
             poppler-utils python3-venv"
        );
    }
}

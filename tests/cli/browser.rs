//! A real browser: headless Chromium (Debian's `chromium`, which `cargo
//! xtask test` installs). Finding it — a missing browser FAILS the test,
//! saying how to install it —, the flags that let it run as root in a
//! container, and the check that both bundled briefings fit a phone-width
//! screen without scrolling sideways.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::briefing_project;
use crate::python::run_with_deadline;

/// The browser's program name (Debian's and Ubuntu's package `chromium`).
const CHROMIUM: &str = "chromium";

/// Flags for a headless run that works as root in a container and makes no
/// network requests of its own; plus a fresh `--user-data-dir` per run.
const HEADLESS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    // Phones draw scrollbars over the page; a desktop scrollbar would take
    // 15 px from the viewport (and sit on the left in right-to-left pages).
    "--hide-scrollbars",
];

/// A phone's viewport in CSS pixels (iPhone SE, iPhone 12 mini, and most
/// small Android phones are 360–375 wide).
const PHONE: (u32, u32) = (375, 800);

/// How long one headless page load may take on a loaded two-core machine.
const BROWSER_DEADLINE: Duration = Duration::from_secs(120);

/// The browser on `PATH`; panics, saying how to install it, when there is none.
pub fn chromium() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(CHROMIUM))
                .find(|f| f.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "{CHROMIUM} is not on PATH: the browser tests need headless Chromium. \
                 `cargo xtask test` installs it (Debian package chromium), or run \
                 `sudo apt-get install -y --no-install-recommends chromium`"
            )
        })
}

/// `chromium` with the headless flags and its own profile folder `profile`.
pub fn headless(profile: &Path) -> Command {
    let mut cmd = Command::new(chromium());
    cmd.args(HEADLESS)
        .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Measures the page's layout where it runs (inside the phone-sized frame):
/// the document's scroll width against its visible width, and the outermost
/// elements that stick out of the viewport (except inside a scrolling box,
/// such as a wide table's `.table-wrap`). Writes them, as JSON, into the
/// frame's parent, whose DOM the browser prints.
const MEASURE: &str = r#"<script>(function () {
  var d = document.documentElement, w = d.clientWidth;
  function scrolls(e) {
    for (e = e.parentElement; e && e !== document.body; e = e.parentElement)
      if (getComputedStyle(e).overflowX !== "visible") return true;
    return false;
  }
  function out(e) {
    if (!e || e === document.body) return false;
    var r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > w + 0.5 || r.left < -0.5);
  }
  var wide = [];
  document.querySelectorAll("body *").forEach(function (e) {
    if (out(e) && !out(e.parentElement) && !scrolls(e)) {
      var r = e.getBoundingClientRect();
      var cls = typeof e.className === "string" && e.className.trim()
        ? "." + e.className.trim().split(/\s+/).join(".") : "";
      wide.push(e.tagName.toLowerCase() + cls + " from x=" + Math.round(r.left)
        + " to x=" + Math.round(r.right));
    }
  });
  var p = parent.document.createElement("pre");
  p.id = "dossier-layout";
  p.textContent = JSON.stringify({scrollWidth: d.scrollWidth, clientWidth: w,
    innerWidth: window.innerWidth, wide: wide.slice(0, 20)});
  parent.document.body.appendChild(p);
})();</script>"#;

/// What [`MEASURE`] found.
struct Layout {
    scroll_width: u64,
    client_width: u64,
    inner_width: u64,
    wide: Vec<String>,
}

/// Lays `html` out in a frame of the phone's size (Chromium's headless
/// window cannot be narrower than 500 px, a frame can) and measures it.
fn phone_layout(html: &str, dir: &Path, name: &str) -> Layout {
    let measured = html.replacen("</body>", &format!("{MEASURE}</body>"), 1);
    assert_ne!(measured, html, "{name}: no </body>");
    let srcdoc = measured.replace('&', "&amp;").replace('"', "&quot;");
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body {{ margin: 0 }} \
         iframe {{ border: 0; display: block; width: {}px; height: {}px }}</style></head>\
         <body><iframe srcdoc=\"{srcdoc}\"></iframe></body></html>",
        PHONE.0, PHONE.1
    );
    let file = dir.join(format!("{name}-phone.html"));
    std::fs::write(&file, page).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let r = run_with_deadline(
        headless(profile.path())
            .arg(format!("--window-size={},{}", PHONE.0, PHONE.1))
            .arg("--dump-dom")
            .arg(format!("file://{}", file.display())),
        logs.path(),
        BROWSER_DEADLINE,
    );
    assert_eq!(r.code, 0, "{name}: chromium failed:\n{}", r.stderr);
    let json = r
        .stdout
        .split_once("<pre id=\"dossier-layout\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| {
            json.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .unwrap_or_else(|| {
            panic!(
                "{name}: the measuring script did not run\nstdout:\n{}\nstderr:\n{}",
                r.stdout, r.stderr
            )
        });
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    Layout {
        scroll_width: v["scrollWidth"].as_u64().unwrap(),
        client_width: v["clientWidth"].as_u64().unwrap(),
        inner_width: v["innerWidth"].as_u64().unwrap(),
        wide: v["wide"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .collect(),
    }
}

#[test]
fn both_briefings_fit_a_phone_width_screen() {
    let p = briefing_project();
    p.run(&["render"]).ok();
    for lang in ["en", "ar"] {
        let html = p.read(&format!("out/briefing-{lang}.html"));
        let layout = phone_layout(&html, p.path(), &format!("briefing-{lang}"));
        assert_eq!(
            (layout.inner_width, layout.client_width),
            (u64::from(PHONE.0), u64::from(PHONE.0)),
            "briefing-{lang}: the page was not laid out {} px wide",
            PHONE.0
        );
        assert!(
            layout.scroll_width <= layout.client_width && layout.wide.is_empty(),
            "briefing-{lang} scrolls sideways on a {} px wide phone: {} px of content; \
             too wide: {:?}",
            PHONE.0,
            layout.scroll_width,
            layout.wide
        );
    }
}

/// The check itself can fail: an element wider than the phone is caught,
/// named, and counted, in both directions of text.
#[test]
fn a_page_wider_than_the_phone_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    for dir_attr in ["ltr", "rtl"] {
        let html = format!(
            "<!DOCTYPE html><html dir=\"{dir_attr}\"><head><meta charset=\"utf-8\"></head>\
             <body><p>fits</p><div class=\"too wide\" style=\"width: 600px\">x</div></body></html>"
        );
        let layout = phone_layout(&html, dir.path(), dir_attr);
        assert!(layout.scroll_width > u64::from(PHONE.0), "{dir_attr}");
        assert_eq!(layout.wide.len(), 1, "{dir_attr}: {:?}", layout.wide);
        assert!(
            layout.wide[0].starts_with("div.too.wide from x="),
            "{dir_attr}: {:?}",
            layout.wide
        );
    }
}

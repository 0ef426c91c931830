//! `dossier watch` on a copy of `tests/fixtures/watch/` (two reports: `tiny`
//! reads data/numbers.csv, `other` reads data/words.txt): edits in place
//! and by rename, broken and fixed scripts, files nobody reads, deletion
//! and re-creation, files that appear later, dossier.toml, `--poll`,
//! cancellation of a run in progress, and Ctrl-C.

use crate::harness::{eventually, Background, Project};

/// The status lines printed so far (`HH:MM:SS  ok …` / `HH:MM:SS  FAIL …`).
pub fn status_lines(stdout: &str) -> Vec<String> {
    let re = regex::Regex::new(r"^\d\d:\d\d:\d\d  (ok|FAIL) ").unwrap();
    stdout
        .lines()
        .filter(|l| re.is_match(l))
        .map(str::to_string)
        .collect()
}

/// A copy of the fixture with `dossier watch ARGS` started and its first build done.
pub fn started(args: &[&str]) -> (Project, Background) {
    let p = Project::from_fixture("watch");
    let mut w = Background::start(p.path(), args);
    w.wait_for("the first build and the watches", |out, _| {
        out.contains("watching ")
    });
    let first = status_lines(&w.stdout());
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].contains("  ok    tiny, other  "), "{first:?}");
    (p, w)
}

fn mtime(p: &Project, rel: &str) -> std::time::SystemTime {
    std::fs::metadata(p.path().join(rel))
        .unwrap()
        .modified()
        .unwrap()
}

#[test]
fn an_edit_in_place_rebuilds_only_the_report_that_read_the_file() {
    let (p, mut w) = started(&["watch"]);
    assert!(p.read("out/tiny.html").contains("total=3"));
    let other_before = p.read("out/other.html");
    let other_mtime = mtime(&p, "out/other.html");
    p.write("data/numbers.csv", "label,value\na,1\nb,2\nc,3\n");
    w.wait_for("the rebuild", |out, _| status_lines(out).len() >= 2);
    let lines = status_lines(&w.stdout());
    assert!(
        lines[1].contains("  ok    tiny  ") && lines[1].contains("out/tiny.html"),
        "{lines:?}"
    );
    assert!(
        lines[1].ends_with("[changed: data/numbers.csv]"),
        "{lines:?}"
    );
    assert!(!lines[1].contains("other"), "{lines:?}");
    assert!(p.read("out/tiny.html").contains("total=6"));
    assert_eq!(p.read("out/other.html"), other_before);
    assert_eq!(mtime(&p, "out/other.html"), other_mtime);
    assert_eq!(w.interrupt(), 0, "Ctrl-C ends watch cleanly");
    assert!(w.stdout().ends_with("stopped\n"), "{}", w.stdout());
}

#[test]
fn saves_by_rename_over_are_seen_like_vim_and_jetbrains_do_them() {
    let (p, mut w) = started(&["watch"]);
    let data = p.path().join("data");
    // vim (backupcopy=no): probe file 4913, move the original to a backup,
    // write a new file, delete the backup; swap files come and go.
    std::fs::write(data.join(".numbers.csv.swp"), "swap").unwrap();
    std::fs::write(data.join("4913"), "").unwrap();
    std::fs::remove_file(data.join("4913")).unwrap();
    std::fs::rename(data.join("numbers.csv"), data.join("numbers.csv~")).unwrap();
    std::fs::write(data.join("numbers.csv"), "label,value\na,10\nb,20\n").unwrap();
    std::fs::remove_file(data.join("numbers.csv~")).unwrap();
    eventually("the vim save to show", || {
        p.read("out/tiny.html").contains("total=30")
    });
    // JetBrains: write a temporary file, rename it over the original.
    std::fs::write(
        data.join("numbers.csv___jb_tmp___"),
        "label,value\na,100\nb,200\n",
    )
    .unwrap();
    std::fs::rename(
        data.join("numbers.csv___jb_tmp___"),
        data.join("numbers.csv"),
    )
    .unwrap();
    eventually("the rename-over save to show", || {
        p.read("out/tiny.html").contains("total=300")
    });
    // And once more, to show the watch survived the replaced inode.
    std::fs::write(data.join("next.tmp"), "label,value\na,1000\n").unwrap();
    std::fs::rename(data.join("next.tmp"), data.join("numbers.csv")).unwrap();
    eventually("the second rename-over to show", || {
        p.read("out/tiny.html").contains("total=1000")
    });
    w.wait_for("the last status line", |out, _| {
        status_lines(out)
            .last()
            .is_some_and(|l| l.contains("  ok    tiny  "))
    });
    // Only `tiny` reads the file. (On a badly overloaded machine a rebuild
    // could land in the instant vim's file is missing and fail; the next
    // event rebuilds it, so only the last line must be a success.)
    let lines = status_lines(&w.stdout());
    assert!(
        lines[1..].iter().all(|l| l.contains("  tiny  ")),
        "{lines:?}"
    );
}

#[test]
fn a_broken_script_reports_the_error_keeps_the_output_and_recovers() {
    let (p, mut w) = started(&["watch"]);
    let good_script = p.read("scripts/tiny.rhai");
    let good_output = p.read("out/tiny.html");
    p.write(
        "scripts/tiny.rhai",
        &format!("{good_script}let broken = rows.select(col(\"valu\"));\n"),
    );
    w.wait_for("the failure", |out, err| {
        status_lines(out).len() >= 2 && err.contains("did you mean `value`?")
    });
    let lines = status_lines(&w.stdout());
    assert!(
        lines[1].contains("  FAIL  tiny  ")
            && lines[1].contains("scripts/tiny.rhai:4:")
            && lines[1].contains("unknown column `valu`")
            && lines[1].contains("(last good output kept)"),
        "{lines:?}"
    );
    let err = w.stderr();
    assert!(
        err.contains("let broken = rows.select(col(\"valu\"));") && err.contains("^^^"),
        "the diagnostic shows the source line: {err}"
    );
    assert_eq!(
        p.read("out/tiny.html"),
        good_output,
        "the last good output stays"
    );
    // The loop goes on: fixing the script (and changing the data) recovers.
    p.write("data/numbers.csv", "label,value\na,7\n");
    w.wait_for("a second failure (the script is still broken)", |out, _| {
        status_lines(out).len() >= 3
    });
    assert!(status_lines(&w.stdout())[2].contains("FAIL"));
    p.write("scripts/tiny.rhai", &good_script);
    w.wait_for("the recovery", |out, _| status_lines(out).len() >= 4);
    let lines = status_lines(&w.stdout());
    assert!(
        lines[3].contains("  ok    tiny  ") && lines[3].contains("[changed: scripts/tiny.rhai]"),
        "{lines:?}"
    );
    assert!(p.read("out/tiny.html").contains("total=7"));
}

#[test]
fn files_no_report_reads_trigger_nothing() {
    let (p, mut w) = started(&["watch"]);
    let tiny_mtime = mtime(&p, "out/tiny.html");
    // Things in watched folders that no report reads, editor droppings next
    // to inputs, and the output folder itself.
    p.write("notes.txt", "changed\n");
    p.write("data/unread.csv", "a\n1\n");
    p.write("data/.numbers.csv.swp", "swap");
    p.write("data/numbers.csv~", "backup");
    p.write("data/.#numbers.csv", "lock");
    p.write("data/4913", "");
    p.write("reports/unused.html", "<p>unused</p>");
    p.write("out/extra.html", "<p>written by someone else</p>");
    // Reading an input (as the reports do) is not a change either.
    let _ = p.read("data/numbers.csv");
    // A barrier: a change that does matter. Events arrive in order, so when
    // its rebuild is reported, everything above has been looked at.
    p.write("data/words.txt", "barrier\n");
    w.wait_for("the barrier rebuild", |out, _| status_lines(out).len() >= 2);
    let lines = status_lines(&w.stdout());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains("  ok    other  ") && lines[1].ends_with("[changed: data/words.txt]"),
        "{lines:?}"
    );
    assert_eq!(mtime(&p, "out/tiny.html"), tiny_mtime);
}

#[test]
fn deleting_and_recreating_an_input() {
    let (p, mut w) = started(&["watch"]);
    let good = p.read("out/other.html");
    std::fs::remove_file(p.path().join("data/words.txt")).unwrap();
    w.wait_for("the failure", |out, _| {
        status_lines(out).get(1).is_some_and(|l| {
            l.contains("FAIL  other") && l.contains("file not found: data/words.txt")
        })
    });
    assert_eq!(p.read("out/other.html"), good);
    p.write("data/words.txt", "back again\n");
    w.wait_for("the recovery", |out, _| status_lines(out).len() >= 3);
    assert!(status_lines(&w.stdout())[2].contains("  ok    other  "));
    assert!(p.read("out/other.html").contains("words=back again"));
}

#[test]
fn a_file_looked_for_in_a_folder_that_does_not_exist_yet_is_polled() {
    let (p, mut w) = started(&["watch"]);
    p.write(
        "scripts/other.rhai",
        "let words = read_text(\"later/inside/words.txt\");\n",
    );
    w.wait_for("the failure", |out, _| {
        status_lines(out).get(1).is_some_and(|l| {
            l.contains("FAIL  other") && l.contains("file not found: later/inside/words.txt")
        })
    });
    p.write("later/inside/words.txt", "arrived\n");
    w.wait_for("the rebuild", |out, _| status_lines(out).len() >= 3);
    let lines = status_lines(&w.stdout());
    assert!(
        lines[2].contains("  ok    other  ") && lines[2].contains("later/inside/words.txt"),
        "{lines:?}"
    );
    assert!(p.read("out/other.html").contains("words=arrived"));
}

#[test]
fn a_change_to_dossier_toml_reloads_it_and_rebuilds_every_report() {
    let (p, mut w) = started(&["watch"]);
    let toml = p.read("dossier.toml");
    p.write(
        "dossier.toml",
        &toml.replace("title = \"Tiny\"", "title = \"Renamed\""),
    );
    w.wait_for("the rebuild", |out, _| status_lines(out).len() >= 2);
    let lines = status_lines(&w.stdout());
    assert!(
        lines[1].contains("  ok    tiny, other  ") && lines[1].ends_with("[changed: dossier.toml]"),
        "{lines:?}"
    );
    assert!(p.read("out/tiny.html").contains("<title>Renamed</title>"));
    // An invalid dossier.toml is reported; the loop waits for a fix.
    p.write("dossier.toml", "[[report]\nname = ");
    w.wait_for("the project error", |out, _| status_lines(out).len() >= 3);
    assert!(
        status_lines(&w.stdout())[2].contains("FAIL  dossier.toml"),
        "{}",
        w.stdout()
    );
    assert!(p.read("out/tiny.html").contains("<title>Renamed</title>"));
    p.write("dossier.toml", &toml);
    w.wait_for("the recovery", |out, _| status_lines(out).len() >= 4);
    assert!(status_lines(&w.stdout())[3].contains("  ok    tiny, other  "));
    assert!(p.read("out/tiny.html").contains("<title>Tiny</title>"));
}

#[test]
fn poll_mode_sees_edits_without_notifications() {
    let (p, mut w) = started(&["watch", "--poll"]);
    assert!(
        w.stdout()
            .contains("0 folder(s) notified, 7 file(s) polled"),
        "{}",
        w.stdout()
    );
    p.write("data/numbers.csv", "label,value\na,40\nb,2\n");
    eventually("the polled change", || {
        p.read("out/tiny.html").contains("total=42")
    });
    w.wait_for("its status line", |out, _| status_lines(out).len() >= 2);
    assert!(status_lines(&w.stdout())[1].contains("  ok    tiny  "));
}

#[test]
fn only_the_named_reports_are_watched() {
    let (p, mut w) = {
        let p = Project::from_fixture("watch");
        let mut w = Background::start(p.path(), &["watch", "other"]);
        w.wait_for("the first build", |out, _| out.contains("watching "));
        (p, w)
    };
    assert!(!p.path().join("out/tiny.html").exists());
    p.write("data/words.txt", "named\n");
    w.wait_for("the rebuild", |out, _| status_lines(out).len() >= 2);
    assert!(status_lines(&w.stdout())
        .iter()
        .all(|l| l.contains("  ok    other  ")));
    let r = p.run(&["watch", "nope"]);
    assert!(r.fails().contains("unknown report `nope`"), "{}", r.stderr);
}

#[test]
fn a_change_during_a_run_cancels_it_and_starts_a_new_one() {
    let p = Project::new();
    p.write(
        "dossier.toml",
        "[project]\nname = \"spin\"\n\n[[report]]\nname = \"spin\"\nscript = \"scripts/spin.rhai\"\ntemplate = \"spin.html\"\n",
    );
    // `forever` makes the run spin until it is stopped (the time limit is
    // five minutes, far longer than the test waits).
    p.write(
        "scripts/spin.rhai",
        "let mode = read_text(\"data/mode.txt\");\nif mode == \"forever\" { print(\"spinning\"); loop { } }\n",
    );
    p.write("reports/spin.html", "<p>mode={{ mode }}</p>\n");
    p.write("data/mode.txt", "first");
    let mut w = Background::start(p.path(), &["watch"]);
    w.wait_for("the first build", |out, _| out.contains("watching "));
    p.write("data/mode.txt", "forever");
    w.wait_for("the spinning run", |_, err| err.contains("spinning"));
    p.write("data/mode.txt", "second");
    eventually("the new run's output", || {
        p.read("out/spin.html").contains("mode=second")
    });
    w.wait_for("its status line", |out, _| status_lines(out).len() >= 2);
    let lines = status_lines(&w.stdout());
    // The cancelled run reports nothing; the new one reports both changes' file.
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains("  ok    spin  ") && lines[1].ends_with("[changed: data/mode.txt]"),
        "{lines:?}"
    );
    // Ctrl-C during a spinning run still stops promptly and cleanly.
    p.write("data/mode.txt", "forever");
    w.wait_for("the second spinning run", |_, err| {
        err.matches("spinning").count() >= 2
    });
    assert_eq!(w.interrupt(), 0);
    assert!(p.read("out/spin.html").contains("mode=second"));
}

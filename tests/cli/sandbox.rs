//! The sandbox: reads only under the project root (and allowed roots),
//! writes only under the output folder, atomically.

use crate::harness::Project;

#[test]
fn parent_escape_is_refused() {
    let p = Project::new();
    let r = p.script("esc", "scan_csv(\"../../etc/passwd\");");
    assert!(
        r.fails().contains("is outside the project root"),
        "{}",
        r.stderr
    );
}

#[test]
fn absolute_path_elsewhere_is_refused() {
    let p = Project::new();
    let r = p.script("abs", "read_text(\"/etc/hostname\");");
    assert!(
        r.fails().contains("cannot read `/etc/hostname`"),
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_project_is_refused() {
    let p = Project::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.csv"), "a\n1\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.csv"), p.path().join("link.csv"))
        .unwrap();
    let r = p.script("link", "print(read_csv(\"link.csv\"));");
    assert!(r.fails().contains("it is a link to"), "{}", r.stderr);
}

#[test]
fn allow_read_opens_an_extra_root() {
    let p = Project::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("extra.csv"), "a\n1\n2\n").unwrap();
    p.write(
        "dossier.toml",
        &format!(
            "[paths]\nallow_read = [{:?}]\n",
            outside.path().display().to_string()
        ),
    );
    let path = outside.path().join("extra.csv").display().to_string();
    let r = p.script("extra", &format!("print(read_csv({path:?}).height);"));
    assert_eq!(r.ok().trim(), "2");
}

#[test]
fn writes_outside_the_output_folder_are_refused() {
    let p = Project::new();
    for target in [
        "result.csv",
        "../result.csv",
        "/tmp/dossier-escape.csv",
        "out/../x.csv",
    ] {
        let r = p.script(
            "w",
            &format!("frame(#{{ a: [1] }}).collect().write_csv({target:?});"),
        );
        assert!(
            r.fails()
                .contains("may write only inside the output folder"),
            "{target}: {}",
            r.stderr
        );
    }
    assert!(!p.path().join("result.csv").exists());
}

#[test]
fn writes_inside_the_output_folder_are_atomic_and_leave_no_temp_files() {
    let p = Project::new();
    p.script(
        "w",
        "let df = frame(#{ a: [1, 2] }).collect();\ndf.write_csv(\"out/sub/a.csv\");\ndf.write_parquet(\"out/a.parquet\");\nwrite(\"out/note.txt\", \"hi\");",
    )
    .ok();
    assert_eq!(p.read("out/sub/a.csv"), "a\n1\n2\n");
    assert_eq!(p.read("out/note.txt"), "hi");
    let leftovers: Vec<_> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".dossier-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_failed_write_keeps_the_previous_file() {
    let p = Project::new();
    p.write("out/keep.csv", "old\n");
    // A frame whose collect fails never reaches the file.
    let r = p.script(
        "w",
        "frame(#{ a: [1] }).select(col(\"zz\")).write_csv(\"out/keep.csv\");",
    );
    r.fails();
    assert_eq!(p.read("out/keep.csv"), "old\n");
}

#[test]
fn output_folder_must_stay_inside_the_project() {
    let p = Project::new();
    p.write("dossier.toml", "[paths]\noutput = \"../elsewhere\"\n");
    let r = p.script("x", "print(1);");
    assert!(
        r.fails().contains("must be inside the project root"),
        "{}",
        r.stderr
    );
}

//! Fixture overlays shared by the rule and SARIF tests: `tests/fixtures/base` with a case's files
//! copied over it (a `DELETE` file in the case lists base paths to remove first).

use std::fs;
use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies a folder, keeping symbolic links as links (fixtures use them for link findings).
fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("fixture folder") {
        let entry = entry.expect("entry");
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let ft = entry.file_type().expect("file type");
        if ft.is_symlink() {
            let target = fs::read_link(&src).expect("link");
            let _ = fs::remove_file(&dst);
            std::os::unix::fs::symlink(target, &dst).expect("symlink");
        } else if ft.is_dir() {
            fs::create_dir_all(&dst).expect("mkdir");
            copy_tree(&src, &dst);
        } else if entry.file_name() != "DELETE" {
            fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// Base plus a case overlay, in a fresh temporary folder.
pub fn materialize(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("base"), dir.path());
    if let Ok(list) = fs::read_to_string(case.join("DELETE")) {
        for line in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let p = dir.path().join(line);
            if p.is_dir() {
                fs::remove_dir_all(&p).expect("delete dir");
            } else {
                fs::remove_file(&p).expect("delete file");
            }
        }
    }
    copy_tree(case, dir.path());
    dir
}

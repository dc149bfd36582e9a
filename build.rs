//! Captures the git commit kdrsim is built from as `KDRSIM_GIT_COMMIT`, for
//! the provenance every report carries (output/src/provenance.rs).
//!
//! It must build anywhere: without git, outside a checkout, or from a
//! source tarball the commit is `unknown`. It must not make cargo rebuild
//! needlessly: it asks to be re-run only when the files that say which
//! commit is checked out change (HEAD, the branch's ref, packed-refs), never
//! when sources or the index change, and never names a path that does not
//! exist (cargo would re-run it on every build).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn watch(path: &str) {
    if Path::new(path).exists() {
        println!("cargo:rerun-if-changed={path}");
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KDRSIM_GIT_COMMIT");
    let commit = std::env::var("KDRSIM_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            // `.git` is a directory in a clone and a file in a worktree.
            if !Path::new(".git").exists() {
                return None;
            }
            let commit = git(&["rev-parse", "HEAD"])?;
            if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
                watch(&head);
            }
            if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
                if let Some(r) = git(&["rev-parse", "--git-path", &branch]) {
                    watch(&r);
                }
            }
            if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"]) {
                watch(&packed);
            }
            Some(commit)
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=KDRSIM_GIT_COMMIT={commit}");
}

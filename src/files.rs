//! Writing output files: atomically (temporary file in the same directory,
//! then rename), so an interrupted run never leaves half a file, and only
//! under the output directory.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to `dir/name` atomically. `name` must be a plain file
/// name (no separators, no `..`): output names never come from user paths.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to write {name:?}: not a plain file name"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|_| target)
}

/// Writes `contents` to a user-named path (e.g. `--trace t.jsonl`) atomically.
pub fn write_atomic_path(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a file path", path.display()),
        )
    })?;
    write_atomic(&dir, name, contents).map(|_| ())
}

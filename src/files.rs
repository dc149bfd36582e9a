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

/// A file written in pieces and published atomically: the pieces go to a
/// temporary file beside the target, and [`commit`](Self::commit) syncs and
/// renames it into place. Dropped without `commit` (an error, a panic, a
/// killed run), it removes the temporary file, so a reader only ever sees a
/// complete file or none. Used for outputs too large to build in memory
/// first (a million-row CSV, a shard's partial result).
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts `dir/name`; `name` must be a plain file name, as for
    /// [`write_atomic`].
    pub fn create(dir: &Path, name: &str) -> std::io::Result<AtomicFile> {
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("refusing to write {name:?}: not a plain file name"),
            ));
        }
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile {
            tmp,
            target: dir.join(name),
            file: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    /// Flushes, syncs and renames the file into place; returns its path.
    pub fn commit(mut self) -> std::io::Result<PathBuf> {
        let file = self
            .file
            .take()
            .ok_or_else(|| std::io::Error::other("file already committed"))?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target)?;
        Ok(self.target.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kdrsim-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_file_written_in_pieces_appears_only_on_commit() {
        let d = dir("commit");
        let mut f = AtomicFile::create(&d, "rows.csv").unwrap();
        f.write_all(b"a\n").unwrap();
        f.write_all(b"b\n").unwrap();
        assert!(!d.join("rows.csv").exists(), "visible before commit");
        let path = f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(path).unwrap(), "a\nb\n");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "no temp left");
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_behind() {
        let d = dir("abandon");
        let mut f = AtomicFile::create(&d, "rows.csv").unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
    }

    #[test]
    fn names_with_separators_are_refused() {
        let d = dir("names");
        assert!(AtomicFile::create(&d, "../x").is_err());
        assert!(write_atomic(&d, "a/b", b"").is_err());
    }
}

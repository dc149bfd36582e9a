//! Writing output files: atomically (temporary file in the same directory,
//! then rename), so an interrupted run never leaves half a file, and only
//! under the output directory.
//!
//! Temporary files are created by `tempfile`: exclusively (`O_CREAT |
//! O_EXCL`, so an existing file or a planted symlink at the name is never
//! opened, let alone followed) and under a random name
//! (`.NAME.XXXXXXXXXX.tmp`), so nobody can plant anything at the name in
//! advance. The old scheme, `.NAME.tmp-<pid>`, was predictable and opened
//! with `File::create`: a symlink planted there made a report overwrite
//! whatever file the link pointed to.
//!
//! A temporary file goes away when its handle is dropped without being
//! published (an error, a panic unwinding), and the second Ctrl-C, which
//! exits at once, removes the ones still open first ([`remove_open_temps`]).
//! A process killed outright (SIGKILL, SIGTERM, a power cut) cannot clean
//! up: it may leave `.NAME.XXXXXXXXXX.tmp` files, which kdrsim never reads
//! and which are safe to delete; the published files are never half-written.

use crate::fnv::Fnv64;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The temporary files of this process not yet published or removed, for
/// [`remove_open_temps`].
static OPEN_TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn open_temps() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    OPEN_TEMPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary file still open: for an exit that skips
/// destructors (`std::process::exit` on the second Ctrl-C).
pub fn remove_open_temps() {
    for path in open_temps().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// The longest part of a target's name copied into its temporary file's
/// name, in bytes: keeps the temporary name under the usual 255-byte limit
/// whatever the target is called.
const TEMP_NAME_PART: usize = 100;

fn refuse_unless_plain(name: &str) -> std::io::Result<()> {
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to write {name:?}: not a plain file name"),
        ));
    }
    Ok(())
}

/// A new, exclusively created temporary file in `dir` for the target
/// `name`, registered in [`OPEN_TEMPS`].
fn temp_for(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut end = name.len().min(TEMP_NAME_PART);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = format!(".{}.", &name[..end]);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp").rand_bytes(10);
    // tempfile's default is 0600; an output file gets the permissions a
    // plain `File::create` would give it (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir)?;
    open_temps().push(tmp.path().to_path_buf());
    Ok(tmp)
}

fn forget_temp(path: &Path) {
    open_temps().retain(|p| p != path);
}

/// Syncs `tmp` and renames it to `target` (replacing a file, or a symlink
/// itself, never what a symlink points to). On failure the temporary file
/// is removed.
fn publish(tmp: tempfile::NamedTempFile, target: &Path) -> std::io::Result<()> {
    let path = tmp.path().to_path_buf();
    let result = tmp
        .as_file()
        .sync_all()
        .and_then(|()| tmp.persist(target).map(|_| ()).map_err(|e| e.error));
    forget_temp(&path);
    result
}

/// Writes `contents` to `dir/name` atomically. `name` must be a plain file
/// name (no separators, no `..`): output names never come from user paths.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
    refuse_unless_plain(name)?;
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let mut tmp = temp_for(dir, name)?;
    if let Err(e) = tmp.write_all(contents) {
        forget_temp(tmp.path());
        return Err(e); // dropping `tmp` removes it
    }
    publish(tmp, &target)?;
    Ok(target)
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
/// renames it into place. Dropped without `commit` (an error, a panic), it
/// removes the temporary file, so a reader only ever sees a complete file
/// or none. Used for outputs too large to build in memory first (a
/// million-row CSV, a shard's partial result).
pub struct AtomicFile {
    target: PathBuf,
    tmp_path: PathBuf,
    file: Option<std::io::BufWriter<tempfile::NamedTempFile>>,
    /// Of every byte written so far.
    hash: Fnv64,
    len: u64,
}

impl AtomicFile {
    /// Starts `dir/name`; `name` must be a plain file name, as for
    /// [`write_atomic`].
    pub fn create(dir: &Path, name: &str) -> std::io::Result<AtomicFile> {
        refuse_unless_plain(name)?;
        std::fs::create_dir_all(dir)?;
        let tmp = temp_for(dir, name)?;
        Ok(AtomicFile {
            target: dir.join(name),
            tmp_path: tmp.path().to_path_buf(),
            file: Some(std::io::BufWriter::with_capacity(1 << 16, tmp)),
            hash: Fnv64::default(),
            len: 0,
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => {
                self.hash.update(bytes);
                self.len += bytes.len() as u64;
                f.write_all(bytes)
            }
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    /// The FNV-1a-64 hash and the length of everything written so far.
    pub fn digest(&self) -> (Fnv64, u64) {
        (self.hash, self.len)
    }

    /// Flushes, syncs and renames the file into place; returns its path.
    pub fn commit(mut self) -> std::io::Result<PathBuf> {
        let file = self
            .file
            .take()
            .ok_or_else(|| std::io::Error::other("file already committed"))?;
        let tmp = match file.into_inner() {
            Ok(tmp) => tmp,
            Err(e) => {
                forget_temp(&self.tmp_path);
                return Err(e.into_error()); // the writer's drop removes it
            }
        };
        publish(tmp, &self.target)?;
        Ok(self.target.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            // Dropping the `NamedTempFile` removed the file.
            forget_temp(&self.tmp_path);
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

    /// The temporary names the writers used to open with `File::create`.
    fn old_predictable_names(name: &str) -> Vec<String> {
        vec![format!(".{name}.tmp-{}", std::process::id())]
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_at_the_old_temporary_name_is_not_followed() {
        let d = dir("planted");
        std::fs::create_dir_all(&d).unwrap();
        let victim = d.join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        for name in ["report.json", "trials.csv"] {
            for tmp in old_predictable_names(name) {
                std::os::unix::fs::symlink(&victim, d.join(tmp)).unwrap();
            }
        }
        write_atomic(&d, "report.json", b"new report").unwrap();
        let mut f = AtomicFile::create(&d, "trials.csv").unwrap();
        f.write_all(b"rows").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        for name in ["report.json", "trials.csv"] {
            let meta = std::fs::symlink_metadata(d.join(name)).unwrap();
            assert!(meta.file_type().is_file(), "{name} is not a plain file");
        }
        assert_eq!(
            std::fs::read_to_string(d.join("report.json")).unwrap(),
            "new report"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_target_is_replaced_not_written_through() {
        let d = dir("target-link");
        std::fs::create_dir_all(&d).unwrap();
        let victim = d.join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, d.join("report.txt")).unwrap();
        write_atomic(&d, "report.txt", b"table").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(
            std::fs::read_to_string(d.join("report.txt")).unwrap(),
            "table"
        );
    }

    #[test]
    fn temporary_names_are_random_and_hidden() {
        let d = dir("random");
        let a = AtomicFile::create(&d, "x.csv").unwrap();
        let b = AtomicFile::create(&d, "x.csv").unwrap();
        assert_ne!(a.tmp_path, b.tmp_path);
        let name = a
            .tmp_path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            name.starts_with(".x.csv.") && name.ends_with(".tmp"),
            "{name}"
        );
        assert!(!name.contains(&std::process::id().to_string()), "{name}");
        drop((a, b));
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_usual_permissions_not_tempfiles_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("mode");
        let path = write_atomic(&d, "index.html", b"<p>").unwrap();
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_ne!(mode & 0o777, 0o600, "{mode:o}");
    }
}

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

/// Writes `contents` to a user-named path (e.g. `--trace t.jsonl`)
/// atomically. A character device or a FIFO there (`/dev/stdout`, a pipe
/// someone reads), or a symlink to one, is written through, never replaced;
/// any other file that is not a regular file (a directory, a block device,
/// a socket) is refused.
pub fn write_atomic_path(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        #[cfg(unix)]
        let device = t.is_char_device() || t.is_fifo();
        #[cfg(not(unix))]
        let device = false;
        if device {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            return f.write_all(contents).and_then(|()| f.flush());
        }
        if !t.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a regular file, a character device or a FIFO: \
                     refusing to replace it",
                    path.display()
                ),
            ));
        }
    }
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

/// The list of the files kdrsim wrote in an output directory (`--out`,
/// `kdrsim-report/`, `kdrsim-sweep/`).
pub const MANIFEST: &str = "kdrsim-manifest.txt";

const MANIFEST_HEAD: &str = "\
# The files kdrsim wrote in this directory. The next kdrsim run that writes
# here removes them first (each one only while it is as kdrsim wrote it), so
# the files of two runs never mix; it removes nothing else.
# FNV-1a-64, bytes, name
";

/// A file listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    hash: String,
    len: u64,
    name: String,
}

/// An output directory being filled by one run: what it writes goes
/// through here, atomically, and is listed in [`MANIFEST`] as soon as it is
/// published.
///
/// [`open`](Self::open) first removes the files an earlier run listed, so a
/// directory used again (fewer scenarios, another command) never holds
/// stale files beside the new ones: a `topology-2-...svg` of a scenario no
/// longer compared, a `report.json` of a `run` beside a `compare`'s
/// `summary.json`. Only listed files are removed, and only while their size
/// and hash are those recorded: a file kdrsim did not write, or one changed
/// since, is kept (and named on standard error). A directory written before
/// manifests existed is not cleaned. Shards' partial results are not listed:
/// shards of one run write into one directory at the same time, and merge
/// refuses partials of different runs by itself.
pub struct OutDir {
    dir: PathBuf,
    listed: Vec<Listed>,
}

impl OutDir {
    /// Prepares `dir` (created if missing) for a new run's files; returns it
    /// and the names of listed files that were kept because they changed.
    pub fn open(dir: &Path) -> std::io::Result<(OutDir, Vec<String>)> {
        std::fs::create_dir_all(dir)?;
        let manifest = dir.join(MANIFEST);
        let mut kept = Vec::new();
        match std::fs::read_to_string(&manifest) {
            Ok(text) => {
                for entry in parse_manifest(&text) {
                    if !remove_if_unchanged(&dir.join(&entry.name), &entry)? {
                        kept.push(entry.name);
                    }
                }
                std::fs::remove_file(&manifest)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let out = OutDir {
            dir: dir.to_path_buf(),
            listed: Vec::new(),
        };
        Ok((out, kept))
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `dir/name` atomically and lists it.
    pub fn write(&mut self, name: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
        let path = write_atomic(&self.dir, name, contents)?;
        self.list(name, Fnv64::of(contents), contents.len() as u64)?;
        Ok(path)
    }

    /// Starts `dir/name`, written in pieces; publish it with
    /// [`commit`](Self::commit) to list it.
    pub fn create(&self, name: &str) -> std::io::Result<AtomicFile> {
        AtomicFile::create(&self.dir, name)
    }

    /// Publishes `file` (from [`create`](Self::create)) and lists it.
    pub fn commit(&mut self, file: AtomicFile) -> std::io::Result<PathBuf> {
        let (hash, len) = file.digest();
        let path = file.commit()?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        self.list(&name, hash.hex(), len)?;
        Ok(path)
    }

    /// Records `name` and rewrites the manifest, so that even a run that
    /// stops later has listed every file it published.
    fn list(&mut self, name: &str, hash: String, len: u64) -> std::io::Result<()> {
        self.listed.retain(|l| l.name != name);
        self.listed.push(Listed {
            hash,
            len,
            name: name.to_string(),
        });
        let mut text = String::from(MANIFEST_HEAD);
        for l in &self.listed {
            text.push_str(&format!("{} {} {}\n", l.hash, l.len, l.name));
        }
        write_atomic(&self.dir, MANIFEST, text.as_bytes()).map(|_| ())
    }
}

/// The entries of a manifest; lines that are not well-formed entries of a
/// plain, visible file name (a hand-edited manifest naming `../x`, say)
/// are ignored.
fn parse_manifest(text: &str) -> Vec<Listed> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, ' ');
            let hash = parts.next()?;
            let len = parts.next()?.parse().ok()?;
            let name = parts.next()?;
            let plain = refuse_unless_plain(name).is_ok() && !name.starts_with('.');
            (hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
                && plain
                && name != MANIFEST)
                .then(|| Listed {
                    hash: hash.to_string(),
                    len,
                    name: name.to_string(),
                })
        })
        .collect()
}

/// Removes `path` if it is a regular file (not a symlink) of the listed size
/// and hash; returns whether it is gone (or was never there).
fn remove_if_unchanged(path: &Path, listed: &Listed) -> std::io::Result<bool> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() || meta.len() != listed.len {
        return Ok(false);
    }
    let mut hash = Fnv64::default();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    if hash.hex() != listed.hash {
        return Ok(false);
    }
    std::fs::remove_file(path)?;
    Ok(true)
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

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_reused_directory_loses_the_last_runs_files_and_nothing_else() {
        let d = dir("reused");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("notes.txt"), "mine").unwrap();
        let (mut out, kept) = OutDir::open(&d).unwrap();
        assert!(kept.is_empty());
        out.write("a.svg", b"first a").unwrap();
        out.write("changed.txt", b"as written").unwrap();
        let mut f = out.create("rows.csv").unwrap();
        f.write_all(b"1\n2\n").unwrap();
        out.commit(f).unwrap();
        assert_eq!(
            names(&d),
            ["a.svg", "changed.txt", MANIFEST, "notes.txt", "rows.csv"]
        );
        // Someone edits one of kdrsim's files after the run.
        std::fs::write(d.join("changed.txt"), "edited").unwrap();
        let (mut out, kept) = OutDir::open(&d).unwrap();
        assert_eq!(kept, ["changed.txt"]);
        assert_eq!(names(&d), ["changed.txt", "notes.txt"]);
        out.write("b.svg", b"second").unwrap();
        assert_eq!(names(&d), ["b.svg", "changed.txt", MANIFEST, "notes.txt"]);
    }

    #[test]
    fn a_hand_edited_manifest_cannot_remove_files_elsewhere() {
        let d = dir("manifest-paths");
        let outside = dir("manifest-outside");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("x"), "").unwrap();
        std::fs::write(d.join("sub").join("y"), "").unwrap();
        std::fs::write(d.join(".hidden"), "").unwrap();
        let empty = Fnv64::of(b"");
        let manifest = format!(
            "{empty} 0 ../{}/x\n{empty} 0 sub/y\n{empty} 0 .hidden\n{empty} 0 sub\n",
            outside.file_name().unwrap().to_str().unwrap()
        );
        std::fs::write(d.join(MANIFEST), manifest).unwrap();
        let (_, kept) = OutDir::open(&d).unwrap();
        assert_eq!(kept, ["sub"], "a directory is never removed");
        assert!(outside.join("x").exists());
        assert!(d.join("sub").join("y").exists());
        assert!(d.join(".hidden").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_listed_name_that_became_a_symlink_is_kept() {
        let d = dir("manifest-link");
        std::fs::create_dir_all(&d).unwrap();
        let (mut out, _) = OutDir::open(&d).unwrap();
        out.write("report.txt", b"table").unwrap();
        let victim = dir("manifest-victim");
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(victim.join("v"), "table").unwrap();
        std::fs::remove_file(d.join("report.txt")).unwrap();
        std::os::unix::fs::symlink(victim.join("v"), d.join("report.txt")).unwrap();
        let (_, kept) = OutDir::open(&d).unwrap();
        assert_eq!(kept, ["report.txt"]);
        assert!(victim.join("v").exists());
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

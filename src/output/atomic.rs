//! Atomic output files: written under a temporary name in the destination folder and renamed
//! over the destination only when the whole run succeeded, so a crash or Ctrl-C leaves the
//! previous run's outputs intact and no half-written file behind.
//!
//! A run's outputs (the main files and the coaching packs) are committed together through a
//! [`Transaction`]: every file is written and synced under its temporary name first, then a
//! journal listing the renames (and the packs to remove) is written and synced, then the renames
//! run. A run killed before the journal exists leaves the previous outputs untouched (its
//! temporaries are removed by the next run); one killed during the renames is completed by the
//! next run on the folder, which replays the journal before anything else ([`recover`]). Either
//! way a folder never mixes two runs' outputs once a run has started on it.
//!
//! Temporary names are `.npsight-tmp-<pid>-<n>`: short whatever the destination's name, so a
//! long file name cannot make the temporary's name too long for the file system.
//!
//! [`OutputLock`] keeps a second run off a folder while one is writing it.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub const TMP_PREFIX: &str = ".npsight-tmp-";
/// The commit journal of a run whose renames had started (see the module documentation).
pub const JOURNAL: &str = ".npsight-commit.json";

static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn tmp_name() -> String {
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{TMP_PREFIX}{}-{n}", std::process::id())
}

pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(tmp_name());
        let file = File::create(&tmp)
            .with_context(|| format!("{}: cannot create an output file here", tmp.display()))?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            tmp,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("writer used after commit")
    }

    /// Replace the whole content (for rendered reports).
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.writer()
            .write_all(bytes)
            .with_context(|| format!("{}: write failed", self.tmp.display()))
    }

    /// Flush, sync and rename over the destination.
    pub fn commit(mut self) -> Result<()> {
        let w = self.writer.take().expect("committed twice");
        let file = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}: write failed: {}", self.tmp.display(), e.error()))?;
        file.sync_all().ok();
        fs::rename(&self.tmp, &self.dest).with_context(|| {
            format!(
                "cannot move {} to {}",
                self.tmp.display(),
                self.dest.display()
            )
        })?;
        Ok(())
    }

    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Flush and sync, keeping the temporary name: the file is renamed by
    /// [`Transaction::commit`].
    fn finish(mut self) -> Result<Staged> {
        let w = self.writer.take().expect("finished twice");
        let synced = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}: write failed: {}", self.tmp.display(), e.error()))
            .and_then(|file| {
                file.sync_all()
                    .with_context(|| format!("{}: write failed", self.tmp.display()))
            });
        if let Err(e) = synced {
            let _ = fs::remove_file(&self.tmp);
            return Err(e);
        }
        Ok(Staged {
            tmp: std::mem::take(&mut self.tmp),
            dest: std::mem::take(&mut self.dest),
            done: false,
        })
    }
}

/// A written, synced temporary waiting for its rename; removed when dropped uncommitted.
struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The outputs of one run, replaced all together or not at all.
pub struct Transaction {
    dir: PathBuf,
    staged: Vec<Staged>,
    removals: Vec<PathBuf>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    /// (temporary, destination), relative to the output folder.
    renames: Vec<(String, String)>,
    /// Files of the previous run that this run replaces by nothing (obsolete coaching packs).
    removals: Vec<String>,
}

fn relative(dir: &Path, p: &Path) -> Result<String> {
    let r = p
        .strip_prefix(dir)
        .with_context(|| format!("{}: not inside {}", p.display(), dir.display()))?;
    r.to_str()
        .map(str::to_string)
        .with_context(|| format!("{}: not a UTF-8 path", p.display()))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Transaction {
    /// A transaction for outputs inside `dir`.
    pub fn new(dir: &Path) -> Transaction {
        Transaction {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            removals: Vec::new(),
        }
    }

    /// Finish writing `file` (flush and sync); it is renamed into place by [`Self::commit`].
    pub fn add(&mut self, file: AtomicFile) -> Result<()> {
        let staged = file.finish()?;
        self.staged.push(staged);
        Ok(())
    }

    /// Remove `path` (inside the folder) when the transaction commits.
    pub fn remove(&mut self, path: PathBuf) {
        self.removals.push(path);
    }

    /// Write the journal, then rename every file into place and make the removals.
    pub fn commit(mut self) -> Result<()> {
        let journal = Journal {
            renames: self
                .staged
                .iter()
                .map(|s| Ok((relative(&self.dir, &s.tmp)?, relative(&self.dir, &s.dest)?)))
                .collect::<Result<_>>()?,
            removals: self
                .removals
                .iter()
                .map(|p| relative(&self.dir, p))
                .collect::<Result<_>>()?,
        };
        let tmp = self.dir.join(tmp_name());
        let bytes = serde_json::to_vec(&journal).expect("journal serialises");
        let written = File::create(&tmp)
            .and_then(|mut f| {
                f.write_all(&bytes)?;
                f.sync_all()
            })
            .and_then(|()| fs::rename(&tmp, self.dir.join(JOURNAL)));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e).with_context(|| {
                format!("{}: cannot write the commit journal", self.dir.display())
            });
        }
        sync_dir(&self.dir);
        // From here on the journal owns the temporaries: a failure leaves them for `recover`.
        for s in &mut self.staged {
            s.done = true;
        }
        replay(&self.dir, &journal)?;
        Ok(())
    }
}

fn replay(dir: &Path, journal: &Journal) -> Result<()> {
    let mut dirs = std::collections::BTreeSet::new();
    for (tmp, dest) in &journal.renames {
        let (tmp, dest) = (dir.join(tmp), dir.join(dest));
        if tmp.exists() {
            fs::rename(&tmp, &dest)
                .with_context(|| format!("cannot move {} to {}", tmp.display(), dest.display()))?;
        }
        if let Some(p) = dest.parent() {
            dirs.insert(p.to_path_buf());
        }
    }
    for r in &journal.removals {
        let _ = fs::remove_file(dir.join(r));
    }
    for d in dirs {
        sync_dir(&d);
    }
    fs::remove_file(dir.join(JOURNAL))
        .with_context(|| format!("{}: cannot remove the commit journal", dir.display()))?;
    sync_dir(dir);
    Ok(())
}

/// Complete the commit of a run that was killed during its renames, if any; call with the
/// folder locked, before anything else touches it.
pub fn recover(dir: &Path) -> Result<()> {
    let path = dir.join(JOURNAL);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
    };
    let journal: Journal = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{}: a damaged commit journal of an earlier run; remove it and run again",
            path.display()
        )
    })?;
    for (a, b) in &journal.renames {
        for p in [a, b].into_iter().chain(&journal.removals) {
            if Path::new(p).is_absolute() || p.split(['/', '\\']).any(|c| c == "..") {
                bail!(
                    "{}: a commit journal pointing outside the folder",
                    path.display()
                );
            }
        }
    }
    replay(dir, &journal)
}

/// An exclusive lock on an output folder for the length of a run: a second run on the same
/// folder is refused with a message naming it. The lock is the operating system's (flock on
/// the folder itself), so a killed run never leaves it held.
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    pub fn acquire(dir: &Path) -> Result<OutputLock> {
        // The folder itself where it can be opened (Linux, macOS); a lock file elsewhere.
        let file = match File::open(dir) {
            Ok(f) => f,
            Err(_) => fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(".npsight.lock"))
                .with_context(|| {
                    format!("--out {}: cannot lock the output folder", dir.display())
                })?,
        };
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "--out {}: another npsight run is writing to this folder; wait for it to finish or choose another --out",
                dir.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => Err(e)
                .with_context(|| format!("--out {}: cannot lock the output folder", dir.display())),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Write a command's outputs into `dir` as one transaction, under the folder's lock, after
/// finishing a killed run's commit and removing killed runs' temporaries: what `analyze` does
/// for its outputs, for the smaller commands (`eval`, `compare`, `train`) too. A second command
/// on the same folder is refused; a killed one leaves the previous files, or all new ones.
pub fn write_outputs(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("--out {}: cannot create the output folder", dir.display()))?;
    let _lock = OutputLock::acquire(dir)?;
    recover(dir)?;
    remove_stale(dir);
    let mut tx = Transaction::new(dir);
    for (name, bytes) in files {
        let mut f = AtomicFile::create(&dir.join(name))?;
        f.write_all(bytes)?;
        tx.add(f)?;
    }
    tx.commit()
}

/// Remove temporaries left by runs that were killed. Call with the folder locked (and after
/// [`recover`]): every run takes the lock before creating a temporary, so any other run's
/// temporary found then belongs to a run that is gone.
pub fn remove_stale(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_file_leaves_destination_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.txt");
        fs::write(&dest, "old").unwrap();
        {
            let mut f = AtomicFile::create(&dest).unwrap();
            f.write_all(b"new").unwrap();
        }
        assert_eq!(fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "new");
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn stage(tx: &mut Transaction, dest: &Path, body: &str) {
        let mut f = AtomicFile::create(dest).unwrap();
        f.write_all(body.as_bytes()).unwrap();
        tx.add(f).unwrap();
    }

    #[test]
    fn failed_transaction_replaces_nothing_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("coaching");
        fs::create_dir(&sub).unwrap();
        fs::write(dir.path().join("a.csv"), "old a").unwrap();
        fs::write(sub.join("p.md"), "old p").unwrap();
        {
            let mut tx = Transaction::new(dir.path());
            stage(&mut tx, &dir.path().join("a.csv"), "new a");
            stage(&mut tx, &sub.join("p.md"), "new p");
            tx.remove(sub.join("p.md"));
            // An error before commit: the transaction is dropped.
        }
        assert_eq!(
            fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "old a"
        );
        assert_eq!(fs::read_to_string(sub.join("p.md")).unwrap(), "old p");
        assert_eq!(names(dir.path()), ["a.csv", "coaching"]);
        assert_eq!(names(&sub), ["p.md"]);
    }

    #[test]
    fn transaction_replaces_every_file_and_removes_obsolete_ones() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("coaching");
        fs::create_dir(&sub).unwrap();
        fs::write(sub.join("old.md"), "old").unwrap();
        let mut tx = Transaction::new(dir.path());
        stage(&mut tx, &dir.path().join("a.csv"), "new a");
        // A destination name near the file system's limit: the temporary's name stays short.
        let long = format!("{}.md", "x".repeat(250));
        stage(&mut tx, &sub.join(&long), "new p");
        tx.remove(sub.join("old.md"));
        tx.commit().unwrap();
        assert_eq!(names(dir.path()), ["a.csv", "coaching"]);
        assert_eq!(names(&sub), [long]);
    }

    #[test]
    fn run_killed_during_its_renames_is_completed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "old a").unwrap();
        fs::write(dir.path().join("b.csv"), "old b").unwrap();
        fs::write(dir.path().join("gone.md"), "old").unwrap();
        // The state a kill leaves after the journal and the first rename.
        fs::write(dir.path().join("a.csv"), "new a").unwrap();
        fs::write(dir.path().join(".npsight-tmp-1-1"), "new b").unwrap();
        let journal = Journal {
            renames: vec![
                (".npsight-tmp-1-0".into(), "a.csv".into()),
                (".npsight-tmp-1-1".into(), "b.csv".into()),
            ],
            removals: vec!["gone.md".into()],
        };
        fs::write(
            dir.path().join(JOURNAL),
            serde_json::to_vec(&journal).unwrap(),
        )
        .unwrap();
        recover(dir.path()).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "new a"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("b.csv")).unwrap(),
            "new b"
        );
        assert_eq!(names(dir.path()), ["a.csv", "b.csv"]);
        // A journal pointing outside the folder is refused.
        let bad = Journal {
            renames: vec![("../x".into(), "a.csv".into())],
            removals: vec![],
        };
        fs::write(dir.path().join(JOURNAL), serde_json::to_vec(&bad).unwrap()).unwrap();
        assert!(recover(dir.path()).is_err());
    }

    #[test]
    fn a_second_lock_on_a_folder_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        let err = OutputLock::acquire(dir.path()).err().unwrap().to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        assert!(err.contains("another npsight run"), "{err}");
        drop(first);
        OutputLock::acquire(dir.path()).unwrap();
    }
    #[test]
    fn write_outputs_replaces_all_files_under_the_lock_and_clears_stale_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("eval");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("eval.md"), "old md").unwrap();
        fs::write(out.join("eval.json"), "old json").unwrap();
        let stale = out.join(format!("{TMP_PREFIX}999999-0"));
        fs::write(&stale, "left by a killed run").unwrap();
        // Another command holds the folder: refused, nothing replaced, the stale file untouched.
        let held = OutputLock::acquire(&out).unwrap();
        let err = write_outputs(&out, &[("eval.md", b"new md"), ("eval.json", b"new json")])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("another npsight run"), "{err}");
        assert_eq!(fs::read_to_string(out.join("eval.md")).unwrap(), "old md");
        assert!(stale.exists());
        drop(held);
        write_outputs(&out, &[("eval.md", b"new md"), ("eval.json", b"new json")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("eval.md")).unwrap(), "new md");
        assert_eq!(
            fs::read_to_string(out.join("eval.json")).unwrap(),
            "new json"
        );
        assert!(!stale.exists(), "a killed run's temporary is removed");
        let left: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TMP_PREFIX) || n.contains("journal"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        // A folder that does not exist yet is created.
        write_outputs(&dir.path().join("new/sub"), &[("a.txt", b"a")]).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("new/sub/a.txt")).unwrap(),
            "a"
        );
    }
}

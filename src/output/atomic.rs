//! Atomic output files: written under a temporary name in the destination folder and renamed
//! over the destination only when the whole run succeeded, so a crash or Ctrl-C leaves the
//! previous run's outputs intact and no half-written file behind (stale temporaries of a killed
//! run are removed by the next run).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub const TMP_PREFIX: &str = ".npsight-tmp-";

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
        let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
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
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Remove temporaries left by a run that was killed.
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
}

//! Reading a log: JSON Lines, plain or gzip-compressed (detected by its magic bytes), in
//! batches of lines, memory bounded by the batch and the longest line allowed.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// Default for `--max-line-bytes`: a record is a few kilobytes; one megabyte leaves room for
/// long prompts in `audit` and stops a runaway line from holding the memory.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// Lines read per batch: enough to spread the parsing over every core.
const BATCH_LINES: usize = 16 * 1024;

/// What was wrong with a line before it could be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// Longer than the limit (its length so far when it was cut off).
    TooLong(usize),
    /// The last line of the file has no line break (a writer stopped mid-record).
    Truncated,
}

pub struct Line {
    pub number: usize,
    pub start: usize,
    pub end: usize,
    pub problem: Option<LineProblem>,
}

/// A batch of lines: their bytes in one buffer.
#[derive(Default)]
pub struct Batch {
    pub bytes: Vec<u8>,
    pub lines: Vec<Line>,
}

impl Batch {
    pub fn text(&self, l: &Line) -> &[u8] {
        &self.bytes[l.start..l.end]
    }
}

pub struct LogReader {
    inner: Box<dyn BufRead + Send>,
    max_line: usize,
    line: usize,
    /// Set once a read failed: the file ends there (a corrupt gzip stream cannot be resumed).
    pub failed: Option<(usize, String)>,
    done: bool,
}

impl LogReader {
    pub fn open(path: &Path, max_line: usize) -> io::Result<LogReader> {
        let mut f = BufReader::with_capacity(256 * 1024, File::open(path)?);
        let gzip = f.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let inner: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(f)))
        } else {
            Box::new(f)
        };
        Ok(LogReader {
            inner,
            max_line,
            line: 0,
            failed: None,
            done: false,
        })
    }

    /// The next batch of lines; empty at the end of the file (or after a read error).
    pub fn next_batch(&mut self, batch: &mut Batch) {
        batch.bytes.clear();
        batch.lines.clear();
        while !self.done && batch.lines.len() < BATCH_LINES {
            if let Err(e) = self.read_line(batch) {
                self.failed = Some((self.line + 1, e.to_string()));
                self.done = true;
            }
        }
    }

    fn read_line(&mut self, batch: &mut Batch) -> io::Result<()> {
        let start = batch.bytes.len();
        let mut len = 0usize;
        let mut too_long = false;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                // End of file: a last line without its line break.
                self.done = true;
                if len > 0 {
                    self.line += 1;
                    let problem = if too_long {
                        Some(LineProblem::TooLong(len))
                    } else {
                        Some(LineProblem::Truncated)
                    };
                    batch.lines.push(Line {
                        number: self.line,
                        start,
                        end: batch.bytes.len(),
                        problem,
                    });
                }
                return Ok(());
            }
            let (chunk, found) = match memchr(buf) {
                Some(i) => (&buf[..i], Some(i)),
                None => (buf, None),
            };
            let room = self.max_line.saturating_sub(len);
            if chunk.len() > room {
                too_long = true;
            }
            if !too_long {
                batch.bytes.extend_from_slice(chunk);
            }
            len += chunk.len();
            let used = found.map_or(chunk.len(), |i| i + 1);
            self.inner.consume(used);
            if found.is_some() {
                self.line += 1;
                let mut end = batch.bytes.len();
                if too_long {
                    batch.bytes.truncate(start);
                    end = start;
                } else if end > start && batch.bytes[end - 1] == b'\r' {
                    end -= 1;
                }
                batch.lines.push(Line {
                    number: self.line,
                    start,
                    end,
                    problem: too_long.then_some(LineProblem::TooLong(len)),
                });
                return Ok(());
            }
        }
    }
}

fn memchr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
}

/// Every line of a log, in memory, and the read error that ended it.
#[cfg(test)]
#[allow(clippy::type_complexity)]
fn read_all(
    path: &Path,
    max_line: usize,
) -> io::Result<(
    Vec<(usize, Vec<u8>, Option<LineProblem>)>,
    Option<(usize, String)>,
)> {
    let mut r = LogReader::open(path, max_line)?;
    let mut out = Vec::new();
    let mut b = Batch::default();
    loop {
        r.next_batch(&mut b);
        if b.lines.is_empty() {
            break;
        }
        for l in &b.lines {
            out.push((l.number, b.text(l).to_vec(), l.problem.clone()));
        }
    }
    Ok((out, r.failed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[allow(clippy::type_complexity)]
    fn lines_of(
        bytes: &[u8],
        max: usize,
    ) -> (
        Vec<(usize, Vec<u8>, Option<LineProblem>)>,
        Option<(usize, String)>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, bytes).unwrap();
        read_all(&p, max).unwrap()
    }

    #[test]
    fn lines_limits_and_truncation() {
        let (l, failed) = lines_of(b"{}\n\n12345678\r\n{\"a\"", 6);
        assert!(failed.is_none());
        assert_eq!(l[0], (1, b"{}".to_vec(), None));
        assert_eq!(l[1], (2, b"".to_vec(), None));
        assert_eq!(l[2], (3, b"".to_vec(), Some(LineProblem::TooLong(9))));
        assert_eq!(l[3], (4, b"{\"a\"".to_vec(), Some(LineProblem::Truncated)));
    }

    #[test]
    fn gzip_and_corrupt_gzip() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..1000 {
            writeln!(gz, "{{\"n\":{i}}}").unwrap();
        }
        let bytes = gz.finish().unwrap();
        let (l, failed) = lines_of(&bytes, 100);
        assert_eq!(l.len(), 1000);
        assert!(failed.is_none());
        assert_eq!(l[999].1, b"{\"n\":999}".to_vec());
        let mut broken = bytes.clone();
        let mid = broken.len() / 2;
        broken[mid] ^= 0xff;
        broken[mid + 1] ^= 0xff;
        let (_, failed) = lines_of(&broken, 100);
        assert!(failed.is_some(), "a corrupt stream is reported");
        let (_, failed) = lines_of(&bytes[..bytes.len() - 12], 100);
        assert!(failed.is_some(), "a cut stream is reported");
    }
}

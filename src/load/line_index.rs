//! Byte offset → (line, column) conversion for diagnostics.
//!
//! Lines are separated by `\n` (so `\r\n` files work: the `\r` is simply the
//! last character of its line). Columns are counted in Unicode scalar values
//! (`char`s), 1-based. A byte order mark at the very start of the file is not
//! counted as a column.
//!
//! The index does not borrow the source: it keeps the line start offsets and,
//! for non-ASCII text only, the positions of multi-byte characters, so that
//! [`LineIndex::line_col`] is two binary searches and no scanning.

/// Maps byte offsets to 1-based line and column (column counted in chars, 1-based).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    /// Byte offsets of the first byte of every multi-byte character, ascending.
    wide_starts: Vec<usize>,
    /// `wide_extra[i]`: extra bytes (`len_utf8 - 1`) of all wide chars before `wide_starts[i]`,
    /// with one trailing element holding the grand total.
    wide_extra: Vec<usize>,
    /// Total length of the source in bytes.
    len: usize,
    /// Whether the source starts with a byte order mark.
    bom: bool,
}

impl LineIndex {
    /// Index `src`. Linear in the length of `src`.
    pub fn new(src: &str) -> Self {
        let bytes = src.as_bytes();
        let mut line_starts = Vec::with_capacity(bytes.len() / 32 + 1);
        line_starts.push(0);
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        let mut wide_starts = Vec::new();
        let mut wide_extra = Vec::new();
        if !src.is_ascii() {
            let mut total = 0;
            for (i, c) in src.char_indices() {
                let n = c.len_utf8();
                if n > 1 {
                    wide_starts.push(i);
                    wide_extra.push(total);
                    total += n - 1;
                }
            }
            wide_extra.push(total);
        }
        LineIndex {
            line_starts,
            wide_starts,
            wide_extra,
            len: src.len(),
            bom: src.starts_with('\u{feff}'),
        }
    }

    /// 1-based (line, column) of a byte offset. Offsets past the end are clamped to the end;
    /// an offset inside a multi-byte character maps to that character.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = self.floor_char(byte.min(self.len));
        // Number of line starts <= byte; at least 1 because line_starts[0] == 0.
        let line = self.line_starts.partition_point(|&s| s <= byte);
        let start = self.line_starts[line - 1];
        let mut chars = (byte - start) - (self.extra_before(byte) - self.extra_before(start));
        if self.bom && start == 0 && byte >= 3 {
            chars -= 1;
        }
        (line, chars + 1)
    }

    /// Move an offset inside a multi-byte character back to the character's first byte.
    fn floor_char(&self, byte: usize) -> usize {
        let k = self.wide_starts.partition_point(|&s| s < byte);
        if k > 0 {
            let s = self.wide_starts[k - 1];
            let width = self.wide_extra[k] - self.wide_extra[k - 1] + 1;
            if byte < s + width {
                return s;
            }
        }
        byte
    }

    /// Extra bytes of all multi-byte characters that start strictly before `byte`
    /// (`byte` must be on a character boundary).
    fn extra_before(&self, byte: usize) -> usize {
        if self.wide_starts.is_empty() {
            return 0;
        }
        let k = self.wide_starts.partition_point(|&s| s < byte);
        self.wide_extra[k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_lines_and_columns() {
        let src = "ab\ncde\n\nf";
        let li = LineIndex::new(src);
        assert_eq!(li.line_col(0), (1, 1));
        assert_eq!(li.line_col(1), (1, 2));
        assert_eq!(li.line_col(2), (1, 3)); // the '\n' itself
        assert_eq!(li.line_col(3), (2, 1));
        assert_eq!(li.line_col(5), (2, 3));
        assert_eq!(li.line_col(7), (3, 1));
        assert_eq!(li.line_col(8), (4, 1));
        assert_eq!(li.line_col(9), (4, 2)); // end of input
        assert_eq!(li.line_col(1000), (4, 2)); // clamped
    }

    #[test]
    fn empty_source() {
        let li = LineIndex::new("");
        assert_eq!(li.line_col(0), (1, 1));
        assert_eq!(li.line_col(5), (1, 1));
    }

    #[test]
    fn crlf() {
        let src = "a: 1\r\nbb: 2\r\n";
        let li = LineIndex::new(src);
        assert_eq!(li.line_col(src.find("bb").unwrap()), (2, 1));
        assert_eq!(li.line_col(src.find('2').unwrap()), (2, 5));
        assert_eq!(li.line_col(4), (1, 5)); // the '\r'
    }

    #[test]
    fn multibyte_columns_are_chars() {
        let src = "café ✓ x\n✓✓y\n";
        let li = LineIndex::new(src);
        assert_eq!(li.line_col(src.find('x').unwrap()), (1, 8));
        assert_eq!(li.line_col(src.find('y').unwrap()), (2, 3));
        // Inside the 3-byte '✓' on line 2: floors to the character.
        let check = src.rfind('✓').unwrap();
        assert_eq!(li.line_col(check), (2, 2));
        assert_eq!(li.line_col(check + 1), (2, 2));
        assert_eq!(li.line_col(check + 2), (2, 2));
    }

    #[test]
    fn bom_is_not_a_column() {
        let src = "\u{feff}ab: 1\nc: 2";
        let li = LineIndex::new(src);
        assert_eq!(li.line_col(3), (1, 1));
        assert_eq!(li.line_col(src.find('b').unwrap()), (1, 2));
        assert_eq!(li.line_col(src.find('c').unwrap()), (2, 1));
        assert_eq!(li.line_col(0), (1, 1));
        assert_eq!(li.line_col(1), (1, 1));
        assert_eq!(li.line_col(2), (1, 1));
    }
}

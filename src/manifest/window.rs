//! What a diagnostic shows of a source file: a few lines around each label, each clipped to
//! a bounded width around the labelled columns, with the true line and column kept.
//!
//! The graphical renderer draws whatever it is given: a 14 MB line is echoed whole, a label
//! past column 65,535 overflows its formatting width and panics, and two labels far apart in
//! one file are drawn with every line between them. A [`Window`] holds only the lines worth
//! showing (clipped lines are marked with `…`), so none of that can reach it, while the
//! `file:line:column` it reports stays the one in the real file.

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Characters of a clipped line shown (markers aside); a line no longer than this is shown
/// whole, as it was written.
pub const WIDTH: usize = 160;
/// Characters shown before a label that starts far into its line.
const LEAD: usize = 40;
/// Lines shown before and after each labelled line (the renderer shows one of them).
const CONTEXT: usize = 2;
const MARKER: char = '…';

/// The shown part of one source file; a [`SourceCode`] over window offsets.
#[derive(Debug, Clone)]
pub struct Window {
    name: String,
    text: String,
    lines: Vec<ShownLine>,
}

#[derive(Debug, Clone)]
struct ShownLine {
    /// Window byte offsets of the line's first byte and of its end (newline excluded).
    start: usize,
    end: usize,
    /// 0-based line number in the file.
    line: usize,
    /// (byte in the shown line, byte column in the true line), one per shown character
    /// and one for the end, ascending.
    columns: Vec<(usize, usize)>,
    /// Character column in the true line of each entry of `columns`.
    chars: Vec<usize>,
}

/// One labelled line: the file's line number and the first character column shown.
struct LabelLine {
    line: usize,
    first_column: usize,
}

impl Window {
    /// Builds the window of `text` for `labels` (byte spans in `text`) and returns the
    /// labels re-based onto the window. A label spanning lines is cut at its first line's end.
    pub fn new(name: &str, text: &str, labels: &[LabeledSpan]) -> (Window, Vec<LabeledSpan>) {
        let starts = line_starts(text);
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let line_end = |line: usize| {
            let end = starts
                .get(line + 1)
                .map_or(text.len(), |next| next.saturating_sub(1));
            if text[starts[line]..end].ends_with('\r') {
                end - 1
            } else {
                end
            }
        };
        // Labels clamped into the text, each within one line.
        let clamped: Vec<(usize, usize, usize)> = labels
            .iter()
            .map(|label| {
                let offset = floor_boundary(text, label.offset().min(text.len()));
                let line = line_of(offset);
                let end = floor_boundary(text, (offset + label.len()).min(line_end(line)));
                (line, offset, end.max(offset))
            })
            .collect();
        let mut label_lines: Vec<LabelLine> = Vec::new();
        // The primary label decides its line's columns; others only when alone on theirs.
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.sort_by_key(|&i| !labels[i].primary());
        for i in order {
            let (line, offset, _) = clamped[i];
            if label_lines.iter().any(|l| l.line == line) {
                continue;
            }
            let start_column = text[starts[line]..offset].chars().count();
            let fits = fits(&text[starts[line]..line_end(line)]);
            let first_column = if fits || start_column < WIDTH - LEAD {
                0
            } else {
                start_column.saturating_sub(LEAD)
            };
            label_lines.push(LabelLine { line, first_column });
        }
        label_lines.sort_by_key(|l| l.line);
        let last_line = starts.len() - 1;
        let mut shown: Vec<(usize, usize)> = Vec::new();
        for l in &label_lines {
            let from = l.line.saturating_sub(CONTEXT);
            let to = (l.line + CONTEXT).min(last_line);
            for line in from..=to {
                if shown.last().is_some_and(|(s, _)| *s >= line) {
                    continue;
                }
                let nearest = label_lines
                    .iter()
                    .min_by_key(|n| n.line.abs_diff(line))
                    .map_or(0, |n| n.first_column);
                shown.push((line, nearest));
            }
        }
        let mut window = Window {
            name: name.to_owned(),
            text: String::new(),
            lines: Vec::new(),
        };
        for (line, first_column) in shown {
            let content = &text[starts[line]..line_end(line)];
            window.push_line(line, content, first_column);
        }
        let rebased = labels
            .iter()
            .zip(&clamped)
            .map(|(label, &(line, offset, end))| {
                let shown = window.lines.iter().find(|s| s.line == line);
                let (start, stop) = match shown {
                    Some(shown) => (
                        shown.window_offset(offset - starts[line]),
                        shown.window_offset(end - starts[line]),
                    ),
                    None => (0, 0),
                };
                let text = label.label().map(|t| clip_text(t, 160));
                if label.primary() {
                    LabeledSpan::new_primary_with_span(text, (start, stop - start))
                } else {
                    LabeledSpan::new_with_span(text, (start, stop - start))
                }
            })
            .collect();
        (window, rebased)
    }

    fn push_line(&mut self, line: usize, content: &str, first_column: usize) {
        if !self.lines.is_empty() {
            self.text.push('\n');
        }
        let start = self.text.len();
        let mut columns = Vec::new();
        let mut chars = Vec::new();
        // A context line short enough is shown whole, not cut where its label line is.
        let first_column = if fits(content) { 0 } else { first_column };
        if first_column > 0 && !content.is_empty() {
            self.text.push(MARKER);
        }
        let mut shown = content.char_indices().enumerate().skip(first_column);
        let mut end = (content.len(), content.chars().count().max(first_column));
        for (char_column, (byte, c)) in shown.by_ref() {
            if char_column == first_column + WIDTH {
                end = (byte, char_column);
                break;
            }
            columns.push((self.text.len() - start, byte));
            chars.push(char_column);
            // Control characters could move a terminal's cursor; tabs the renderer expands.
            self.text.push(if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            });
        }
        // The end of the shown text, and a marker entry when the line goes on.
        columns.push((self.text.len() - start, end.0));
        chars.push(end.1);
        if end.0 < content.len() {
            self.text.push(MARKER);
        }
        if columns[0].0 > 0 {
            columns.insert(0, (0, columns[0].1));
            chars.insert(0, chars[0]);
        }
        self.lines.push(ShownLine {
            start,
            end: self.text.len(),
            line,
            columns,
            chars,
        });
    }

    /// The index of the shown line holding window offset `offset`.
    fn line_at(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1)
    }
}

impl ShownLine {
    /// Window offset of a byte column of the true line (clamped into what is shown).
    fn window_offset(&self, column: usize) -> usize {
        let at = self
            .columns
            .partition_point(|&(_, true_byte)| true_byte < column);
        match self.columns.get(at) {
            Some(&(window_byte, _)) => self.start + window_byte,
            None => self.end,
        }
    }

    /// 0-based character column, in the true line, of a window offset on this line.
    fn true_column(&self, offset: usize) -> usize {
        let in_line = offset.saturating_sub(self.start);
        let at = self
            .columns
            .partition_point(|&(window_byte, _)| window_byte <= in_line);
        self.chars.get(at.saturating_sub(1)).copied().unwrap_or(0)
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (offset, end) = (span.offset(), span.offset() + span.len());
        if self.lines.is_empty() || end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_at(offset);
        let last = self.line_at(if span.is_empty() { offset } else { end - 1 });
        let consecutive = |k: usize| self.lines[k + 1].line == self.lines[k].line + 1;
        // Lines left out between two shown ones must never be drawn as if adjacent.
        if (first..last).any(|k| !consecutive(k)) {
            return Err(MietteError::OutOfBounds);
        }
        let mut from = first;
        for _ in 0..context_lines_before {
            if from > 0 && consecutive(from - 1) {
                from -= 1;
            }
        }
        let mut to = last;
        for _ in 0..context_lines_after {
            if to + 1 < self.lines.len() && consecutive(to) {
                to += 1;
            }
        }
        let start = self.lines[from].start;
        let stop = if to + 1 < self.lines.len() {
            self.lines[to].end + 1
        } else {
            self.lines[to].end
        };
        let column = if context_lines_before == 0 {
            self.lines[first].true_column(offset)
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[start..stop],
            (start, stop - start).into(),
            self.lines[from].line,
            column,
            to - from + 1,
        )))
    }
}

/// Byte offsets where each line starts (a text ending in a newline has an empty last line).
/// Whether a line is shown whole.
fn fits(line: &str) -> bool {
    line.len() <= WIDTH || line.chars().take(WIDTH + 1).count() <= WIDTH
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `text` cut to at most `max` characters, with `…` where it was cut.
pub fn clip_text(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(window: &Window, label: &LabeledSpan) -> String {
        window.text[label.offset()..label.offset() + label.len()].to_owned()
    }

    #[test]
    fn a_label_far_into_a_long_line_is_shown_with_its_true_column() {
        let text = format!(
            "a:\n  b: {}XYZ{}\nc: 1\n",
            "x".repeat(70_000),
            "y".repeat(5000)
        );
        let at = text.find("XYZ").unwrap();
        let (window, labels) = Window::new(
            "f.yaml",
            &text,
            &[LabeledSpan::new_primary_with_span(
                Some("here".into()),
                (at, 3),
            )],
        );
        assert_eq!(shown(&window, &labels[0]), "XYZ");
        assert!(
            window.text.len() < 3 * 4 * (WIDTH + 2),
            "{}",
            window.text.len()
        );
        assert!(window.text.contains("…xxx") && window.text.contains("yyy…"));
        let contents = window.read_span(labels[0].inner(), 0, 0).unwrap();
        assert_eq!((contents.line(), contents.column()), (1, at - 3));
        let wide = "k: 가나다 x\n";
        let x = wide.find('x').unwrap();
        let (window, labels) = Window::new(
            "f",
            wide,
            &[LabeledSpan::new_primary_with_span(None, (x, 1))],
        );
        assert_eq!(
            window.read_span(labels[0].inner(), 0, 0).unwrap().column(),
            7,
            "columns count characters"
        );
    }

    #[test]
    fn lines_that_fit_are_shown_whole_as_written() {
        let long_value = format!("k: {{ a: 1, object: {}END }}", "o".repeat(WIDTH - 40));
        let text = format!("short: 1\n{long_value}\nnext: 2\n");
        let at = text.find("END").unwrap();
        let (window, labels) = Window::new(
            "f",
            &text,
            &[LabeledSpan::new_primary_with_span(None, (at, 3))],
        );
        assert_eq!(shown(&window, &labels[0]), "END");
        assert_eq!(
            window.text.trim_end(),
            text.trim_end(),
            "nothing cut, no marker"
        );
    }

    #[test]
    fn far_apart_labels_are_never_joined_by_the_lines_between() {
        let text: String = (0..10_000).map(|i| format!("line{i}: x\n")).collect();
        let a = text.find("line3:").unwrap();
        let b = text.find("line9000:").unwrap();
        let (window, labels) = Window::new(
            "f.yaml",
            &text,
            &[
                LabeledSpan::new_primary_with_span(None, (a, 5)),
                LabeledSpan::new_with_span(None, (b, 8)),
            ],
        );
        assert_eq!(window.lines.len(), 10);
        let across =
            SourceSpan::from((labels[0].offset(), labels[1].offset() - labels[0].offset()));
        assert!(window.read_span(&across, 1, 1).is_err());
        let second = window.read_span(labels[1].inner(), 1, 1).unwrap();
        assert_eq!(second.line(), 8999);
    }

    #[test]
    fn a_label_over_many_lines_is_cut_at_its_first_line() {
        let text: String = (0..1000).map(|i| format!("k{i}: v\n")).collect();
        let (window, labels) = Window::new(
            "f.yaml",
            &text,
            &[LabeledSpan::new_primary_with_span(None, (0, text.len()))],
        );
        assert_eq!(shown(&window, &labels[0]), "k0: v");
        assert_eq!(window.lines.len(), 3);
    }

    #[test]
    fn spans_out_of_range_or_inside_a_character_are_clamped() {
        let text = "a: 가나다\n";
        let (window, labels) = Window::new(
            "f.yaml",
            text,
            &[
                LabeledSpan::new_primary_with_span(None, (4, 100)),
                LabeledSpan::new_with_span(None, (10_000, 3)),
            ],
        );
        assert_eq!(shown(&window, &labels[0]), "가나다");
        assert!(labels[1].offset() <= window.text.len());
    }
}

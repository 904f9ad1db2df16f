//! Manifest diagnostics as the user reads them: rendered by miette's graphical handler, but
//! only ever from a bounded copy ([`Bounded`]): messages, hints and labels clipped, at most a
//! few labels, the source reduced to a [`Window`]. The length of a report therefore grows
//! with the number of errors listed (itself capped at [`MAX_LISTED`]), never with the input.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::diagnostic::{Diagnostics, ManifestDiagnostic};
use super::window::{Window, clip_text};

/// Diagnostics listed in one report; the rest are counted.
pub const MAX_LISTED: usize = 50;
const MAX_MESSAGE: usize = 300;
const MAX_LABELS: usize = 8;
const MAX_RELATED: usize = 4;

/// A copy of a diagnostic that the renderer can always draw within bounded space.
#[derive(Debug)]
pub struct Bounded {
    message: String,
    code: Option<&'static str>,
    severity: Option<miette::Severity>,
    help: Option<String>,
    window: Option<Window>,
    labels: Vec<LabeledSpan>,
    related: Vec<Bounded>,
}

impl Bounded {
    pub fn new(diagnostic: &ManifestDiagnostic) -> Self {
        let mut labels = diagnostic.labels.clone();
        labels.sort_by_key(|l| !l.primary());
        labels.truncate(MAX_LABELS);
        let (window, labels) = match &diagnostic.source {
            Some(source) if !labels.is_empty() => {
                let (window, labels) = Window::new(source.name(), source.inner(), &labels);
                (Some(window), labels)
            }
            _ => (None, Vec::new()),
        };
        Bounded {
            message: clip_text(&diagnostic.message, MAX_MESSAGE),
            code: (!diagnostic.note).then(|| diagnostic.kind.code()),
            severity: diagnostic.note.then_some(miette::Severity::Advice),
            help: diagnostic
                .help
                .as_deref()
                .map(|h| clip_text(h, MAX_MESSAGE)),
            window,
            labels,
            related: diagnostic
                .related
                .iter()
                .take(MAX_RELATED)
                .map(Bounded::new)
                .collect(),
        }
    }
}

impl fmt::Display for Bounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Bounded {}

impl Diagnostic for Bounded {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.window.as_ref().map(|w| w as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|d| d as &dyn Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn Diagnostic>>
        })
    }
}

/// Renders one diagnostic as miette's graphical report (colour when asked).
pub fn render(diagnostic: &dyn Diagnostic, colour: bool) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(110);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = format!("{diagnostic}\n");
    }
    out
}

/// Renders every diagnostic (bounded), each followed by a blank line; past [`MAX_LISTED`],
/// says how many more there are.
pub fn render_all(diagnostics: &Diagnostics, colour: bool) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics.0.iter().take(MAX_LISTED) {
        out.push_str(&render(&Bounded::new(diagnostic), colour));
        out.push('\n');
    }
    if diagnostics.len() > MAX_LISTED {
        out.push_str(&format!(
            "… and {} more not listed here: fix the ones above and run again to see them.\n\n",
            diagnostics.len() - MAX_LISTED
        ));
    }
    out
}

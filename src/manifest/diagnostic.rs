//! Manifest diagnostics: every problem found in the input, each pointing at its file, line
//! and column with a label, and a hint where one helps. They are collected, never thrown, so
//! that one run reports every error at once.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// The kinds of manifest problem, each with a stable code (`deployplan::<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    Io,
    Syntax,
    /// A file that is not UTF-8 text.
    Encoding,
    /// Nothing to read: every manifest file is empty or only comments.
    Empty,
    UnknownField,
    WrongType,
    InvalidValue,
    MissingField,
    DuplicateName,
    DanglingReference,
    DependencyCycle,
    UnknownVariable,
    MissingEnvVar,
    MissingSecret,
    UnknownEnvironment,
    InvalidName,
    ProviderConfig,
    TargetRule,
    /// Two entries claim what only one may (two releases deploying one target).
    Conflict,
}

impl DiagnosticKind {
    /// The stable, kebab-case code shown with the diagnostic.
    pub fn code(self) -> &'static str {
        match self {
            DiagnosticKind::Io => "deployplan::io",
            DiagnosticKind::Syntax => "deployplan::yaml-syntax",
            DiagnosticKind::Encoding => "deployplan::encoding",
            DiagnosticKind::Empty => "deployplan::empty-manifest",
            DiagnosticKind::UnknownField => "deployplan::unknown-field",
            DiagnosticKind::WrongType => "deployplan::wrong-type",
            DiagnosticKind::InvalidValue => "deployplan::invalid-value",
            DiagnosticKind::MissingField => "deployplan::missing-field",
            DiagnosticKind::DuplicateName => "deployplan::duplicate-name",
            DiagnosticKind::DanglingReference => "deployplan::dangling-reference",
            DiagnosticKind::DependencyCycle => "deployplan::dependency-cycle",
            DiagnosticKind::UnknownVariable => "deployplan::unknown-variable",
            DiagnosticKind::MissingEnvVar => "deployplan::missing-env-var",
            DiagnosticKind::MissingSecret => "deployplan::missing-secret",
            DiagnosticKind::UnknownEnvironment => "deployplan::unknown-environment",
            DiagnosticKind::InvalidName => "deployplan::invalid-name",
            DiagnosticKind::ProviderConfig => "deployplan::provider-config",
            DiagnosticKind::TargetRule => "deployplan::target-rule",
            DiagnosticKind::Conflict => "deployplan::conflict",
        }
    }
}

/// A source file as diagnostics show it.
pub type SourceFile = Arc<NamedSource<String>>;

/// One located problem in the manifest.
#[derive(Debug, Clone)]
pub struct ManifestDiagnostic {
    pub kind: DiagnosticKind,
    pub message: String,
    pub source: Option<SourceFile>,
    pub labels: Vec<LabeledSpan>,
    pub help: Option<String>,
    /// Further locations in other files (e.g. the first definition of a duplicate).
    pub related: Vec<ManifestDiagnostic>,
    /// `file:line:column` of the primary label, for sorting and plain-text output.
    pub location: Option<(String, u64, u64)>,
    /// A location that explains another diagnostic (shown as advice, without a code),
    /// not an error of its own.
    pub note: bool,
}

impl ManifestDiagnostic {
    pub fn new(kind: DiagnosticKind, message: impl Into<String>) -> Self {
        ManifestDiagnostic {
            kind,
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help: None,
            related: Vec::new(),
            location: None,
            note: false,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn with_related(mut self, related: ManifestDiagnostic) -> Self {
        self.related.push(related);
        self
    }
}

impl fmt::Display for ManifestDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestDiagnostic {}

impl Diagnostic for ManifestDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.note).then(|| Box::new(self.kind.code()) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.note.then_some(miette::Severity::Advice)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_deref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

/// Every problem found in a manifest: the error value of loading one.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<ManifestDiagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: ManifestDiagnostic) {
        self.0.push(diagnostic);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Orders diagnostics by file and position so output is stable and reads top to bottom.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let key = |d: &ManifestDiagnostic| d.location.clone().unwrap_or_default();
            key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
        });
        self.0
            .dedup_by(|a, b| a.location == b.location && a.message == b.message);
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the manifest",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

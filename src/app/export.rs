//! `export`: manifest YAML declaring the objects a provider instance already has, for
//! adopting what was made elsewhere (a console, a script). The provider reads its objects
//! and returns its manifest section ([`crate::providers::Provider::export`]); this module
//! picks the instance, writes the section as a manifest document (stable key order,
//! interpolation syntax escaped, secrets redacted) and reports what was left out.

use std::borrow::Cow;
use std::process::ExitCode;

use serde_json::Value;

use super::AppError;
use super::output;
use super::session::{self, Session};
use crate::cli::ExportArgs;
use crate::providers::{ExportFilter, Exported, ProviderError};
use crate::redact::{MASK, redact, redact_value};
use crate::suggest::did_you_mean;

/// Concurrent API reads (the HTTP client's in-flight limit), as `plan`'s default.
const PARALLELISM: usize = 10;

pub async fn export(args: &ExportArgs) -> Result<ExitCode, AppError> {
    // Check the instance name before starting anything (the embedded sandbox, clients).
    let loaded = session::load(&args.manifest)?;
    let Some(config) = loaded.providers.get(&args.provider) else {
        return Err(unknown_provider(
            &args.provider,
            loaded.providers.keys().map(String::as_str),
        ));
    };
    let provider_type = config.provider_type.clone();
    let pin_instance = loaded
        .providers
        .values()
        .filter(|c| c.provider_type == provider_type)
        .count()
        > 1;
    let mut declared: Vec<String> = (loaded.resources.iter())
        .filter(|r| r.provider == args.provider && r.parent.is_none())
        .map(|r| r.name.clone())
        .collect();
    declared.sort();
    declared.dedup();
    drop(loaded);
    let session = Session::open(&args.manifest, PARALLELISM).await?;
    let provider = session
        .providers
        .get(&args.provider)
        .ok_or_else(|| unknown_provider(&args.provider, std::iter::empty()))?;
    let mut only = args.projects.clone();
    only.sort();
    only.dedup();
    let filter = ExportFilter {
        only,
        pin_instance,
        declared,
    };
    let exported = match provider.export(&filter).await {
        Ok(exported) => exported,
        Err(ProviderError::Unsupported { operation }) => {
            return Err(AppError::usage(
                format!(
                    "provider `{}`: provider type `{}` cannot {operation} yet",
                    args.provider,
                    provider_type
                ),
                Some("declare its objects by hand; `deployplan plan` then shows what differs from the remote".into()),
            ));
        }
        Err(ProviderError::Request {
            call,
            message,
            hint,
        }) => {
            return Err(ProviderError::Request {
                call: format!("provider `{}`: {call}", args.provider),
                message,
                hint,
            }
            .into());
        }
        Err(other) => return Err(other.into()),
    };
    if !exported.unmatched.is_empty() {
        return Err(unmatched_projects(&args.provider, &exported));
    }
    for skip in &exported.skipped {
        output::stderr(&format!(
            "Warning: left out {}: {}\n",
            skip.address, skip.reason
        ));
    }
    let header = Header {
        instance: &args.provider,
        provider_type: &provider_type,
        time: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        notes: &exported.notes,
        skipped: exported.skipped.len(),
    };
    let (text, masked) = masked_document(&header, &provider_type, &exported.section)?;
    if masked {
        output::stderr(&format!(
            "Warning: some exported values contained a secret deployplan knows; it is replaced by `{MASK}` in the output. Put a `${{secret.NAME}}` reference there before using the file.\n"
        ));
    }
    let left_out = match exported.skipped.len() {
        0 => String::new(),
        n => format!("; left out {n} (see the warnings above)"),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| AppError::Io {
                context: format!("cannot write `{}`", path.display()),
                source,
            })?;
            output::stderr(&format!(
                "Exported {} from provider `{}` to {}{left_out}.\n",
                exported.summary,
                args.provider,
                path.display()
            ));
        }
        None => {
            output::stdout(&text);
            output::stderr(&format!(
                "Exported {} from provider `{}`{left_out}.\n",
                exported.summary, args.provider
            ));
        }
    }
    tracing::debug!(requests = session.requests_sent(), "export finished");
    Ok(ExitCode::SUCCESS)
}

fn unknown_provider<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> AppError {
    let known: Vec<&str> = known.collect();
    let help = did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
        if known.is_empty() {
            "the manifest declares no `providers:`; add the instance to export there".into()
        } else {
            format!("the manifest's provider instances: {}", known.join(", "))
        }
    });
    AppError::usage(
        format!("--provider `{name}`: the manifest declares no provider instance of that name"),
        Some(help),
    )
}

fn unmatched_projects(provider: &str, exported: &Exported) -> AppError {
    let names = exported
        .unmatched
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestions: Vec<String> = exported
        .unmatched
        .iter()
        .filter_map(|n| did_you_mean(n, exported.available.iter().map(String::as_str)))
        .collect();
    let help = if !suggestions.is_empty() {
        suggestions.join(" ")
    } else if exported.available.is_empty() {
        format!("provider `{provider}` has no {}", exported.noun)
    } else {
        const SHOWN: usize = 20;
        let more = exported.available.len().saturating_sub(SHOWN);
        format!(
            "existing {}: {}{}",
            exported.noun,
            exported.available[..exported.available.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    AppError::usage(
        format!(
            "--project {names}: no such {} in provider `{provider}`; nothing was exported",
            exported.noun.strip_suffix('s').unwrap_or(exported.noun)
        ),
        Some(help),
    )
}

/// The document with every known secret masked, and whether one was. Each value is
/// redacted first, before the YAML writer quotes, escapes, re-indents or folds it into forms
/// the text would no longer show whole; then the document, for a secret split across values.
pub(super) fn masked_document(
    header: &Header<'_>,
    section_key: &str,
    section: &Value,
) -> Result<(String, bool), AppError> {
    let redacted = redact_value(section);
    let masked_values = redacted != *section;
    let document = render(header, section_key, &redacted)?;
    Ok(match redact(&document) {
        Cow::Borrowed(_) => (document, masked_values),
        Cow::Owned(masked) => (masked, true),
    })
}

/// What the document's header says.
pub(super) struct Header<'a> {
    pub instance: &'a str,
    pub provider_type: &'a str,
    pub time: String,
    pub notes: &'a [String],
    pub skipped: usize,
}

/// The manifest document: the header comment, then `section_key:` with `section`.
fn render(header: &Header<'_>, section_key: &str, section: &Value) -> Result<String, AppError> {
    let mut section = section.clone();
    escape_interpolation(&mut section);
    let mut document = serde_json::Map::new();
    document.insert(section_key.to_owned(), section);
    // Single-line values stay on one line (no folding); multi-line ones are literal blocks.
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    let yaml = serde_saphyr::to_string_with_options(&Value::Object(document), options)
        .map_err(|err| AppError::usage(format!("cannot write the export as YAML: {err}"), None))?;
    let mut paragraphs = vec![
        format!(
            "Written by `deployplan export --provider {}` at {}.",
            header.instance, header.time
        ),
        String::new(),
        format!(
            "These `{}` objects already exist; this section declares each exactly as it is. Keep it beside the manifest that declares the provider (or merge it in) and `deployplan plan` shows no changes for them.",
            header.provider_type
        ),
        "Review for credentials before committing: commands and environment in scenarios are exported as the API returns them.".into(),
    ];
    paragraphs.extend(header.notes.iter().cloned());
    if header.skipped > 0 {
        paragraphs.push(format!(
            "{} object(s) could not be declared exactly and are left out; export printed why.",
            header.skipped
        ));
    }
    let mut out = String::new();
    for paragraph in &paragraphs {
        for line in wrap(paragraph, 88) {
            out.push_str(if line.is_empty() { "#" } else { "# " });
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push('\n');
    out.push_str(&yaml);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Strings are data, but the loader interpolates `${…}` in every string: `$${` keeps a
/// literal `${` (shell scripts are full of them).
fn escape_interpolation(value: &mut Value) {
    match value {
        Value::String(text) if text.contains("${") => *text = text.replace("${", "$${"),
        Value::Array(items) => items.iter_mut().for_each(escape_interpolation),
        Value::Object(map) => map.values_mut().for_each(escape_interpolation),
        _ => {}
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word stays
/// whole); an empty text is one empty line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header<'static> {
        Header {
            instance: "ncp",
            provider_type: "ncp-sourcedeploy",
            time: "2026-11-22T10:00:00Z".into(),
            notes: &[],
            skipped: 0,
        }
    }

    /// Writes the rendered document beside a providers-only manifest and loads both: the
    /// desired attributes of each scenario, by name.
    fn load_back(section: &Value) -> serde_json::Map<String, Value> {
        let dir = tempfile::tempdir().unwrap();
        let text = render(&header(), "ncp-sourcedeploy", section).unwrap();
        std::fs::write(
            dir.path().join("deployplan.yaml"),
            "providers:\n  ncp:\n    type: ncp-sourcedeploy\n    endpoint: sandbox\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("ncp.yaml"), &text).unwrap();
        let env = |_: &str| None;
        let loaded = crate::manifest::load(
            dir.path(),
            None,
            &env,
            crate::providers::registry::language(),
        )
        .unwrap_or_else(|d| panic!("{text}\n{d:?}"));
        (loaded.resources.into_iter())
            .filter(|r| r.kind == crate::providers::ncp::lower::KIND_SCENARIO)
            .map(|r| (r.name, r.attributes))
            .collect()
    }

    /// The desired attributes the scenarios of `section` lower to.
    fn scenarios_of(section: &Value) -> serde_json::Map<String, Value> {
        use crate::providers::ncp::{lower, manifest::Scenario, manifest::TargetType};
        let scenarios = &section["projects"]["shop"]["stages"]["dev"]["scenarios"];
        (scenarios.as_object().unwrap().iter())
            .map(|(name, scenario)| {
                let scenario: Scenario = serde::Deserialize::deserialize(scenario).unwrap();
                let attributes = lower::scenario_attributes(&scenario, TargetType::Server);
                (name.clone(), attributes)
            })
            .collect()
    }

    #[test]
    fn tricky_strings_load_back_exactly() {
        let tricky = [
            "echo ${HOME} $${literal} $$${x} ${",
            "yes",
            "null",
            "0123",
            "1.0",
            "- dash",
            "a: b # not a comment",
            " leading and trailing ",
            "line one\nline two\n",
            "  indented first line\nsecond",
            "no trailing newline\nend",
            "blank lines\n\n\nend\n\n",
            "tab\tand\r\ncrlf",
            "한국어 ✓ 'quotes' \"double\"",
            &"a long single-line command ".repeat(8),
        ];
        let scenarios: serde_json::Map<String, Value> = tricky
            .iter()
            .enumerate()
            .map(|(i, text)| {
                (
                    format!("s{i}"),
                    serde_json::json!({
                        "description": text,
                        "strategy": "normal",
                        "sequence": false,
                        "rollback": true,
                        "file": { "type": "later" },
                        "commands": {
                            "pre": [{ "user": "root", "run": text }],
                            "deploy": [],
                            "post": []
                        }
                    }),
                )
            })
            .collect();
        let section = serde_json::json!({
            "projects": { "shop": { "stages": { "dev": {
                "target": { "type": "server", "servers": [1011] },
                "scenarios": scenarios,
            } } } }
        });
        let loaded = load_back(&section);
        assert_eq!(loaded, scenarios_of(&section));
        for (i, text) in tricky.iter().enumerate() {
            let attributes = &loaded[&format!("s{i}")];
            assert_eq!(attributes["description"], *text);
            assert_eq!(attributes["commands"]["pre"][0]["run"], *text);
        }
    }

    #[test]
    fn header_explains_and_keys_are_sorted() {
        let notes = ["No `releases:` are exported.".to_owned()];
        let header = Header {
            notes: &notes,
            skipped: 2,
            ..header()
        };
        let section = serde_json::json!({ "projects": { "b": {}, "a": {} } });
        let sorted: Value = serde_json::from_str(r#"{"projects":{"a":{},"b":{}}}"#).unwrap();
        let text = render(&header, "ncp-sourcedeploy", &sorted).unwrap();
        assert!(
            text.starts_with(
                "# Written by `deployplan export --provider ncp` at 2026-11-22T10:00:00Z.\n#\n# These `ncp-sourcedeploy` objects already exist;"
            ),
            "{text}"
        );
        assert!(
            text.contains("# Review for credentials before committing"),
            "{text}"
        );
        assert!(text.contains("# No `releases:` are exported."), "{text}");
        assert!(
            text.contains("# 2 object(s) could not be declared exactly"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 90), "{text}");
        assert!(
            text.contains("ncp-sourcedeploy:\n  projects:\n    a: {}\n    b: {}\n"),
            "{text}"
        );
        // The section is written in the order it comes in: providers sort it.
        let unsorted = render(&header, "ncp-sourcedeploy", &section).unwrap();
        assert!(unsorted.contains("    b: {}\n    a: {}\n"), "{unsorted}");
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghijkl x", 5), ["abcdefghijkl", "x"]);
    }

    #[test]
    fn unknown_provider_suggests_a_close_name() {
        let err = unknown_provider("ncq", ["ncp", "nhn-prod"].into_iter());
        let AppError::Usage { message, help } = err else {
            panic!("not a usage error")
        };
        assert!(message.contains("`ncq`"), "{message}");
        assert_eq!(help.as_deref(), Some("did you mean `ncp`?"));
    }
}

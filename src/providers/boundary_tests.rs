//! The provider boundary holds: outside a provider's own folder and the registry, no
//! non-test code names a provider. A new provider is then one folder plus one registry line,
//! and nothing else can grow a special case for one.

use std::path::{Path, PathBuf};

use super::registry;

/// The words that name a registered provider type: its type name and each part of it
/// (`nhn-deploy` → `nhn-deploy`, `nhn`; `deploy` alone is an ordinary word and is kept out
/// by being in [`ORDINARY`]), and its folder's module name.
fn provider_words() -> Vec<String> {
    const ORDINARY: &[&str] = &["deploy", "echo", "stub"];
    let mut words = Vec::new();
    for kind in registry::kinds() {
        words.push(kind.name().to_lowercase());
        for part in kind.name().split('-') {
            if !ORDINARY.contains(&part) {
                words.push(part.to_lowercase());
            }
        }
    }
    words.sort();
    words.dedup();
    words
}

/// Files under `dir` with the test-only modules left out: `tests.rs`, `*_tests.rs`,
/// `tests/` folders, and any file or folder declared after `#[cfg(test)]`.
fn production_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut test_only = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines = text.lines().map(str::trim);
            while let Some(line) = lines.next() {
                if line == "#[cfg(test)]"
                    && let Some(next) = lines.next()
                    && let Some(name) = next
                        .trim_start_matches("pub ")
                        .trim_start_matches("pub(crate) ")
                        .strip_prefix("mod ")
                        .and_then(|rest| rest.strip_suffix(';'))
                {
                    test_only.push(name.to_owned());
                }
            }
        }
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if test_only.contains(&stem) || stem == "tests" || stem.ends_with("_tests") {
            continue;
        }
        if path.is_dir() {
            production_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `text` without its inline test module (`#[cfg(test)] mod tests { … }` at the end).
fn without_inline_tests(text: &str) -> &str {
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]"
            && lines.get(i + 1).is_some_and(|next| {
                next.trim_start().starts_with("mod ") && next.trim_end().ends_with('{')
            })
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// Files whose comments may name code hosts that are also provider types: they describe
/// the pull-request comment those hosts render (its Markdown flavour, its size limit), not
/// the provider. Code in them is still checked.
const CODE_HOST_COMMENTS: &[&str] = &["render/markdown/mod.rs", "cli.rs"];
const CODE_HOSTS: &[&str] = &["github", "gitlab"];

#[test]
fn no_code_outside_a_provider_folder_names_a_provider() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let providers = src.join("providers");
    // A provider's folder is a folder of `providers/` holding a registered kind; the shared
    // folders (`common/`, `http/`) are not one.
    let shared = [providers.join("common"), providers.join("http")];
    let mut files = Vec::new();
    production_files(&src, &mut files);
    let words = provider_words();
    assert!(words.contains(&"ncp".to_owned()), "{words:?}");
    let mut found = Vec::new();
    for file in files {
        let in_provider_folder = file.starts_with(&providers)
            && file.parent() != Some(providers.as_path())
            && !shared.iter().any(|s| file.starts_with(s));
        if in_provider_folder || file == providers.join("registry.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let code_host_comments = CODE_HOST_COMMENTS.contains(&relative.as_str());
        for (n, line) in without_inline_tests(&text).lines().enumerate() {
            let lower = line.to_lowercase();
            let exempt = |word: &str| {
                code_host_comments
                    && line.trim_start().starts_with("//")
                    && CODE_HOSTS.contains(&word)
            };
            if let Some(word) = words
                .iter()
                .find(|w| lower.contains(w.as_str()) && !exempt(w))
            {
                found.push(format!(
                    "{relative}:{}: `{word}` in: {}",
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "provider names outside the provider folders and the registry:\n{}",
        found.join("\n")
    );
}

//! Plan-time checks every provider's lowering makes the same way: a key YAML read as a
//! boolean, a value listed twice, a word sent as one token, a web URL, a value outside a
//! closed set (with "did you mean"). Each
//! provider keeps its own rules (names, limits); what is here knows no provider.

use std::collections::HashMap;

use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::validate::Ctx;
use crate::providers::common::git::{SECRET_SHA_HINT, ShaProblem, sha_problem};
use crate::suggest::did_you_mean;

/// The key at `pointer` as the manifest spells it, when written plain (unquoted): YAML
/// reads some plain keys (`on`, `N`, `yes`) as booleans, which come back as `true` /
/// `false`, so a plain key that differs from its name was read otherwise.
pub fn written_key<'c>(ctx: &'c Ctx<'_>, pointer: &str) -> Option<&'c str> {
    let span = ctx.located.key_at(pointer)?;
    let text = ctx.sources.file(span.file)?.inner();
    text.get(span.offset..span.offset + span.len)
        .filter(|key| !key.starts_with(['"', '\'']))
}

/// Reports a key at `pointer` that YAML read as something else than written (see
/// [`written_key`]); returns whether it did.
pub fn key_read_otherwise(ctx: &mut Ctx<'_>, pointer: &str, name: &str, what: &str) -> bool {
    let Some(written) = written_key(ctx, pointer)
        .filter(|w| *w != name)
        .map(str::to_owned)
    else {
        return false;
    };
    ctx.error_at_key(
        DiagnosticKind::InvalidName,
        format!("{what} `{written}` would be named `{name}`"),
        pointer,
        "read as a boolean",
    )
    .help = Some(format!(
        "YAML reads `{written}` as `{name}`: quote the name, `\"{written}\": …`"
    ));
    true
}

/// Reports the value at `pointer` as a repeat of the one at `first`, labelled at both.
pub fn duplicate(ctx: &mut Ctx<'_>, message: String, pointer: &str, first: &str, help: &str) {
    let labels = ("repeated here", "first listed here");
    repeat(ctx, message, (pointer, first), false, labels, help);
}

/// Reports the key at `pointer` as a repeat of the key at `first`, labelled at both.
pub fn duplicate_key(ctx: &mut Ctx<'_>, message: String, pointer: &str, first: &str, help: &str) {
    let labels = ("declared again here", "first declared here");
    repeat(ctx, message, (pointer, first), true, labels, help);
}

/// A repeat labelled at both places (`(again, first)`), on the keys or on the values.
fn repeat(
    ctx: &mut Ctx<'_>,
    message: String,
    (again, first): (&str, &str),
    at_key: bool,
    (label, first_label): (&str, &str),
    help: &str,
) {
    let (sources, located) = (ctx.sources, ctx.located);
    let kind = DiagnosticKind::DuplicateName;
    let (diagnostic, first_span) = match at_key {
        true => (
            ctx.error_at_key(kind, message, again, label),
            located.key(first),
        ),
        false => (ctx.error(kind, message, again, label), located.value(first)),
    };
    sources.add_label(diagnostic, first_span, first_label);
    diagnostic.help = Some(help.to_owned());
}

/// What is wrong with a word that is sent as one token: a ref, a task, a reviewer, a
/// branch or tag pattern (`what` names it in the hint).
pub fn token_problem(value: &str, what: &str) -> Option<String> {
    if value.is_empty() {
        return Some(format!("{what} is not empty"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("{what} has no spaces or control characters"));
    }
    None
}

/// Whether `text` is an absolute http(s) URL with a host.
pub fn is_web_url(text: &str) -> bool {
    reqwest::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// Whether the value at `pointer` holds a secret (interpolated from `${secret.…}`).
pub fn is_secret(ctx: &Ctx<'_>, pointer: &str) -> bool {
    ctx.interpolated.sensitive.contains(pointer)
}

/// `value` quoted for a message, or `(a secret)` when the value at `pointer` holds one:
/// a diagnostic never repeats a secret, in any spelling.
pub fn shown(ctx: &Ctx<'_>, pointer: &str, value: &str) -> String {
    match is_secret(ctx, pointer) {
        true => "(a secret)".to_owned(),
        false => format!("`{value}`"),
    }
}

/// Whether the value at `pointer` was written as an interpolation (`${…}`): its error
/// then says the value it arrived as is wrong, since the manifest shows another text.
pub fn written_interpolated(ctx: &Ctx<'_>, pointer: &str) -> bool {
    let span = ctx.located.value(pointer);
    (ctx.sources.file(span.file)).is_some_and(|file| {
        (file.inner().get(span.offset..span.offset + span.len)).is_some_and(|t| t.contains("${"))
    })
}

/// Reports `sha` at `pointer` unless it is a full lower-case commit SHA, checked as it
/// arrives (after interpolation). `message` gets the value as [`shown`]; `hint` words the
/// problem for the service, except for a secret, whose hint states the rule only.
pub fn check_sha(
    ctx: &mut Ctx<'_>,
    sha: &str,
    pointer: &str,
    message: impl FnOnce(&str) -> String,
    hint: impl FnOnce(ShaProblem) -> String,
) -> bool {
    let Some(problem) = sha_problem(sha) else {
        return true;
    };
    let help = match is_secret(ctx, pointer) {
        true => SECRET_SHA_HINT.to_owned(),
        false => hint(problem),
    };
    let label = match written_interpolated(ctx, pointer) {
        true => "its value is not a full commit SHA",
        false => "not a full commit SHA",
    };
    let message = message(&shown(ctx, pointer, sha));
    ctx.error(DiagnosticKind::InvalidValue, message, pointer, label)
        .help = Some(help);
    false
}

/// Reports `url` at `pointer` unless it is an absolute http(s) URL; `message` says whose
/// URL it is, `service` names who links it ("<service> links only http and https URLs").
pub fn check_web_url(ctx: &mut Ctx<'_>, url: &str, pointer: &str, message: String, service: &str) {
    if is_web_url(url) {
        return;
    }
    let secret = is_secret(ctx, pointer);
    ctx.error(
        DiagnosticKind::InvalidValue,
        message,
        pointer,
        "not an http(s) URL",
    )
    .help = Some(match url.contains("://") || secret {
        true => format!("{service} links only http and https URLs"),
        false => format!("write the whole URL, e.g. `https://{url}`"),
    });
}

/// The hint for `given`, which is none of `allowed`: the close one ("did you mean"), a
/// value `given` abbreviates (`prod` for `production`, which is too short to be close),
/// and always the whole set, so the author sees every choice.
pub fn choice_hint(given: &str, allowed: &[&str]) -> String {
    let all = format!("one of: {}", allowed.join(", "));
    let folded = given.to_lowercase();
    let mut abbreviated = (allowed.iter()).filter(|a| !folded.is_empty() && a.starts_with(&folded));
    let suggestion = did_you_mean(given, allowed.iter().copied()).or_else(|| {
        match (abbreviated.next(), abbreviated.next()) {
            (Some(only), None) => Some(format!("did you mean `{only}`?")),
            _ => None,
        }
    });
    match suggestion {
        Some(suggestion) => format!("{suggestion} ({all})"),
        None => all,
    }
}

/// Reports `given` at `pointer` when it is none of `allowed` (`what` names the field in
/// the message: "unknown tier `prod`"); returns whether it is one of them.
pub fn check_choice(
    ctx: &mut Ctx<'_>,
    given: &str,
    allowed: &[&str],
    pointer: &str,
    what: &str,
) -> bool {
    if allowed.contains(&given) {
        return true;
    }
    let help = match is_secret(ctx, pointer) {
        true => format!("one of: {}", allowed.join(", ")),
        false => choice_hint(given, allowed),
    };
    ctx.error(
        DiagnosticKind::InvalidValue,
        format!("unknown {what} {}", shown(ctx, pointer, given)),
        pointer,
        "not an allowed value",
    )
    .help = Some(help);
    false
}

/// Reports every member of the list at `pointer` whose identity (`identity(i)`, `None`
/// for a member left out for its own error) repeats an earlier one's, at both entries.
/// `describe` names the repeated member in the message.
pub fn repeated_members<K: std::hash::Hash + Eq>(
    ctx: &mut Ctx<'_>,
    pointer: &str,
    identities: impl IntoIterator<Item = Option<K>>,
    describe: impl Fn(usize) -> String,
    help: &str,
) {
    let mut first_at: HashMap<K, usize> = HashMap::new();
    for (i, identity) in identities.into_iter().enumerate() {
        let Some(identity) = identity else { continue };
        match first_at.get(&identity) {
            Some(&first) => duplicate(
                ctx,
                format!("{} is listed twice", describe(i)),
                &format!("{pointer}/{i}"),
                &format!("{pointer}/{first}"),
                help,
            ),
            None => {
                first_at.insert(identity, i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIERS: &[&str] = &["production", "staging", "testing", "development", "other"];

    #[test]
    fn a_close_or_abbreviated_choice_is_suggested_with_the_whole_set() {
        let all = "one of: production, staging, testing, development, other";
        assert_eq!(
            choice_hint("prod", TIERS),
            format!("did you mean `production`? ({all})")
        );
        assert_eq!(
            choice_hint("Production", TIERS),
            format!("did you mean `production`? ({all})")
        );
        assert_eq!(
            choice_hint("stagign", TIERS),
            format!("did you mean `staging`? ({all})")
        );
        assert_eq!(choice_hint("qa", TIERS), all);
        assert_eq!(
            choice_hint("", TIERS),
            all,
            "the empty word abbreviates nothing"
        );
        let ambiguous = ["deploy", "develop"];
        assert_eq!(choice_hint("d", &ambiguous), "one of: deploy, develop");
        assert_eq!(
            choice_hint("dep", &ambiguous),
            "did you mean `deploy`? (one of: deploy, develop)"
        );
    }

    proptest::proptest! {
        #[test]
        fn a_unique_abbreviation_suggests_its_value(pick in 0usize..5, cut in 1usize..6) {
            let value = TIERS[pick];
            let abbreviation = &value[..cut.min(value.len() - 1)];
            let unique = TIERS.iter().filter(|t| t.starts_with(abbreviation)).count() == 1;
            let hint = choice_hint(abbreviation, TIERS);
            let all = format!("(one of: {})", TIERS.join(", "));
            proptest::prop_assert!(hint.ends_with(&all), "{}", hint);
            if unique {
                let expected = format!("did you mean `{value}`?");
                proptest::prop_assert!(hint.starts_with(&expected), "{}", hint);
            }
        }
    }

    #[test]
    fn tokens_are_not_empty_and_have_no_spaces() {
        assert!(token_problem("", "a ref").is_some());
        assert!(token_problem("a b", "a ref").is_some());
        assert!(token_problem("a\tb", "a ref").is_some());
        assert_eq!(token_problem("release/1.x", "a ref"), None);
        assert!(is_web_url("https://shop.example.com"));
        assert!(!is_web_url("shop.example.com"));
        assert!(!is_web_url("ftp://shop.example.com"));
    }
}

//! "Did you mean …?" for a misspelt name: shared by the manifest checks, the engine's
//! address selection and the providers' plan-time lookups, so every layer suggests the same
//! way without reaching into another.

/// Longest word for which a suggestion is looked for.
const MAX_SUGGESTED: usize = 100;

/// "did you mean `x`?" for the closest candidate, if any is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    // Comparing costs the product of the lengths: a long word is no typo of a short name.
    if word.chars().count() > MAX_SUGGESTED {
        return None;
    }
    candidates
        .into_iter()
        .filter(|candidate| *candidate != word && candidate.len() <= 4 * MAX_SUGGESTED)
        .map(|candidate| (closeness(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m)| format!("did you mean `{m}`?"))
}

/// How alike two names are, 0 to 1. Judged on the whole names, and also on what follows
/// their shared prefix: addresses share long prefixes (`cloud.release.`), which must not make
/// `cloud.release.nothere` look like `cloud.release.r1`.
fn closeness(a: &str, b: &str) -> f32 {
    let ratio = |x: &str, y: &str| similar::TextDiff::from_chars(x, y).ratio();
    let whole = ratio(a, b);
    let shared = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let (rest_a, rest_b) = (&a[shared..], &b[shared..]);
    // A typo near the end leaves short rests (`clouf`/`cloud`): the whole names decide.
    let short = rest_a.chars().count().max(rest_b.chars().count()) <= 2;
    if short || rest_a.is_empty() || rest_b.is_empty() || ratio(rest_a, rest_b) >= 0.5 {
        whole
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("prodution", ["production", "staging"]),
            Some("did you mean `production`?".into())
        );
        assert_eq!(did_you_mean("zzz", ["production", "staging"]), None);
        let long = "productio".repeat(1_000_000);
        let started = std::time::Instant::now();
        assert_eq!(did_you_mean(&long, ["production"]), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_shared_prefix_alone_is_not_closeness() {
        let releases = ["ncp.release.r1", "ncp.release.assets", "ncp.release.web"];
        assert_eq!(did_you_mean("ncp.release.nothere", releases), None);
        assert_eq!(did_you_mean("ncp.release.xyzzy", releases), None);
        assert_eq!(
            did_you_mean("ncp.release.wbe", releases),
            Some("did you mean `ncp.release.web`?".into())
        );
        assert_eq!(
            did_you_mean("verison", ["version", "replicas"]),
            Some("did you mean `version`?".into())
        );
        assert_eq!(
            did_you_mean("productio", ["production"]),
            Some("did you mean `production`?".into())
        );
        assert_eq!(did_you_mean("web", ["web"]), None, "never itself");
        assert_eq!(
            did_you_mean("ncq", ["ncp"]),
            Some("did you mean `ncp`?".into())
        );
    }
}

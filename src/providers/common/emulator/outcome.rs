//! How emulated deployments end, as the sandbox's test controls set it: every emulator lets
//! a test decide the outcome of future deployments (by names, so before the target exists)
//! and finish a running one by hand. The rule's key and the deployment's id differ per API;
//! the outcome, the finish body and the rule bookkeeping are the same.

use serde::{Deserialize, Serialize};

use crate::sandbox::AdminError;

/// How a deployment ends (default success).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Success,
    Fail,
}

impl Outcome {
    /// `success` / `fail`, the spelling of most status fields.
    pub fn lower(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Fail => "fail",
        }
    }

    /// `SUCCESS` / `FAIL`, for APIs that shout their results.
    pub fn upper(self) -> &'static str {
        match self {
            Outcome::Success => "SUCCESS",
            Outcome::Fail => "FAIL",
        }
    }
}

/// The body of a `…/finish` control: `{"status": "success" | "fail"}`.
#[derive(Debug, Deserialize)]
pub struct Finish {
    pub status: Outcome,
}

/// Sets `rule`, replacing any rule for the same target (`same`), and answers every rule
/// now set, for the control's reply.
pub fn set_rule<R: Clone>(rules: &mut Vec<R>, rule: R, same: impl Fn(&R, &R) -> bool) -> Vec<R> {
    rules.retain(|old| !same(old, &rule));
    rules.push(rule);
    rules.clone()
}

/// A numeric id from a control's path; `name` is how the error names it.
pub fn path_id(name: &str, text: &str) -> Result<i64, AdminError> {
    text.parse()
        .map_err(|_| AdminError::bad_request(format!("{name} must be a number, got {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_replaces_the_one_for_the_same_target() {
        let mut rules = vec![("a", Outcome::Fail), ("b", Outcome::Fail)];
        let all = set_rule(&mut rules, ("a", Outcome::Success), |x, y| x.0 == y.0);
        assert_eq!(all, [("b", Outcome::Fail), ("a", Outcome::Success)]);
    }

    #[test]
    fn outcomes_read_and_spell_both_ways() {
        let finish: Finish = serde_json::from_str(r#"{"status":"fail"}"#).unwrap();
        assert_eq!(finish.status, Outcome::Fail);
        assert_eq!(
            (Outcome::Fail.lower(), Outcome::Success.upper()),
            ("fail", "SUCCESS")
        );
        assert!(path_id("deployKey", "x1").is_err());
        assert_eq!(path_id("deployKey", "17").ok(), Some(17));
    }
}

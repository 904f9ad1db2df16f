//! The oracle over wide inputs: any environment settings, any status, any principal, any
//! project path. Each property states GitLab's rule once and holds the checker to it, so
//! a schema slipping in a regenerated subset (an enum widened, a required field dropped,
//! an encoded slash no longer one segment) fails here rather than going unnoticed.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{check_request, check_response, operation};

const TIERS: &[&str] = &["production", "staging", "testing", "development", "other"];
const SETTINGS: &[&str] = &["always", "with_action"];
const WRITABLE: &[&str] = &["running", "success", "failed", "canceled"];
const ENVIRONMENTS: &str = "/api/v4/projects/1/environments";
const DEPLOYMENTS: &str = "/api/v4/projects/1/deployments";
const PROTECTED: &str = "/api/v4/projects/1/protected_environments";

/// Environment settings with each optional field present or not.
fn settings() -> impl Strategy<Value = Map<String, Value>> {
    (
        proptest::option::of(proptest::sample::select(TIERS)),
        proptest::option::of(proptest::sample::select(SETTINGS)),
        proptest::option::of("[ -~]{0,40}"),
        proptest::option::of("https://[a-z]{1,12}\\.example\\.com(/[a-z0-9]{0,8})?"),
        proptest::option::of("[a-z0-9-]{1,20}"),
    )
        .prop_map(|(tier, auto_stop, description, url, namespace)| {
            let mut body = Map::new();
            let pairs = [
                ("tier", tier.map(str::to_owned)),
                ("auto_stop_setting", auto_stop.map(str::to_owned)),
                ("description", description),
                ("external_url", url),
                ("kubernetes_namespace", namespace),
            ];
            for (key, value) in pairs {
                if let Some(value) = value {
                    body.insert(key.into(), Value::String(value));
                }
            }
            body
        })
}

/// A GitLab project path: one to four segments of letters, digits, `.`, `_` and `-`.
fn project_path() -> impl Strategy<Value = String> {
    proptest::collection::vec("[A-Za-z0-9][A-Za-z0-9._-]{0,12}", 1..5).prop_map(|s| s.join("/"))
}

proptest! {
    #[test]
    fn any_environment_settings_conform(
        settings in settings(),
        name in "[a-z][a-z0-9/_-]{0,30}",
    ) {
        let mut create = settings.clone();
        create.insert("name".into(), json!(name));
        let create = check_request("POST", ENVIRONMENTS, &Value::Object(create));
        prop_assert_eq!(create, Ok(()));
        let update = Value::Object(settings.clone());
        prop_assert_eq!(check_request("PUT", &format!("{ENVIRONMENTS}/1"), &update), Ok(()));
        // Without a name there is nothing to create.
        let refused = check_request("POST", ENVIRONMENTS, &Value::Object(settings));
        prop_assert!(refused.is_err());
    }

    #[test]
    fn a_tier_outside_gitlabs_five_is_refused(tier in "[a-z]{1,12}") {
        let body = json!({ "name": "production", "tier": tier });
        let result = check_request("POST", ENVIRONMENTS, &body);
        prop_assert_eq!(result.is_ok(), TIERS.contains(&tier.as_str()));
    }

    #[test]
    fn a_deployment_takes_only_the_four_writable_statuses(status in prop_oneof![
        proptest::sample::select(WRITABLE).prop_map(str::to_owned),
        proptest::sample::select(&["created", "blocked", "skipped", "Success", ""][..])
            .prop_map(str::to_owned),
        "[a-z_]{1,10}",
    ]) {
        let writable = WRITABLE.contains(&status.as_str());
        let sha = "a".repeat(40);
        let update = json!({ "status": status });
        let update = check_request("PUT", &format!("{DEPLOYMENTS}/7"), &update);
        prop_assert_eq!(update.is_ok(), writable);
        let create = json!({
            "environment": "production", "sha": sha, "ref": "main", "tag": false, "status": status
        });
        prop_assert_eq!(check_request("POST", DEPLOYMENTS, &create).is_ok(), writable);
        // Whatever a deployment's status, an answer carrying it conforms (GitLab adds statuses).
        let answer = json!([{
            "id": 7, "iid": 1, "ref": "main", "sha": sha, "status": status, "deployable": null
        }]);
        prop_assert_eq!(check_response("GET", DEPLOYMENTS, 200, &answer), Ok(()));
    }

    #[test]
    fn an_entry_names_exactly_one_principal(
        access_level in proptest::option::of(proptest::sample::select(&[30, 40, 60][..])),
        user_id in proptest::option::of(1u32..100_000),
        group_id in proptest::option::of(1u32..100_000),
    ) {
        let mut entry = Map::new();
        access_level.map(|v| entry.insert("access_level".into(), json!(v)));
        user_id.map(|v| entry.insert("user_id".into(), json!(v)));
        group_id.map(|v| entry.insert("group_id".into(), json!(v)));
        let named = entry.len();
        let body = json!({ "name": "production", "deploy_access_levels": [Value::Object(entry)] });
        let result = check_request("POST", PROTECTED, &body);
        prop_assert_eq!(result.is_ok(), named == 1, "{} principals: {:?}", named, result);
    }

    #[test]
    fn an_encoded_project_path_is_one_segment(path in project_path()) {
        let encoded = path.replace('/', "%2F");
        let mounted = format!("/gitlab/api/v4/projects/{encoded}/environments");
        let found = operation("GET", &mounted);
        let found = found.expect("an encoded project path matches");
        prop_assert_eq!(found.id.as_str(), "getApiV4ProjectsIdEnvironments");
        prop_assert_eq!(&found.params, &vec![("id".to_string(), encoded)]);
        if path.contains('/') {
            // Sent raw, a nested path is never taken for the project id.
            let raw = operation("GET", &format!("/api/v4/projects/{path}"));
            prop_assert!(raw.is_none_or(|op| op.params[0].1 != path));
        }
    }
}

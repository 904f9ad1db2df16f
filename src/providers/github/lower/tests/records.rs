//! Deployment records: their environment, ref, description, URLs, defaults, conflicts
//! and link.

use serde_json::json;

use super::*;

/// A repository with `staging` and `production` and the records `records` (indented
/// under `deployments:`).
fn records(records: &str) -> String {
    repo(&format!(
        "      environments:\n        staging: {{}}\n        production: {{}}\n      deployments:\n{records}"
    ))
}

const WEB: &str = "gh.repository.\"octo-org/shop\".deployment.web";

#[test]
fn a_record_sends_deterministic_defaults_and_only_what_is_written() {
    let r = resources(&records(
        "        web:\n          environment: production\n          ref: main\n",
    ));
    let web = find(&r, WEB);
    assert_eq!(
        web.attributes,
        json!({
            "environment": "production", "ref": "main", "task": "deploy",
            "auto_merge": false, "required_contexts": [], "auto_inactive": true,
        })
    );
    assert_eq!(web.parent.as_ref().map(|p| p.as_str()), Some(REPO));
    assert_eq!(
        web.depends_on
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>(),
        [REPO, PRODUCTION],
        "after its repository and its environment"
    );
    let r = resources(&records(
        "        web:\n          environment: production\n          ref: main\n          task: deploy:web\n          auto_merge: true\n          required_contexts: [ci]\n          auto_inactive: false\n",
    ));
    let web = find(&r, WEB);
    assert_eq!(
        (&web.attributes["task"], &web.attributes["auto_merge"]),
        (&json!("deploy:web"), &json!(true))
    );
    assert_eq!(
        (
            &web.attributes["required_contexts"],
            &web.attributes["auto_inactive"]
        ),
        (&json!(["ci"]), &json!(false))
    );
}

#[test]
fn a_record_names_a_declared_environment_as_declared() {
    assert_eq!(
        errors(&records(
            "        web:\n          environment: prodution\n          ref: main\n"
        )),
        [
            "13:24 environment `prodution` is not declared in this repository | did you mean `production`?"
        ]
    );
    assert_eq!(
        errors(&records(
            "        web:\n          environment: Production\n          ref: main\n"
        )),
        [
            "13:24 environment `Production` is not declared in this repository | did you mean `production`? (write it as it is declared)"
        ]
    );
    assert_eq!(
        errors(&records(
            "        web:\n          environment: preview\n          ref: main\n"
        )),
        [
            "13:24 environment `preview` is not declared in this repository | declare it under `environments:` (`preview: {}` records without protection)"
        ]
    );
}

#[test]
fn the_ref_and_task_are_one_word() {
    for (field, value) in [
        ("ref", "\"\""),
        ("ref", "\"main branch\""),
        ("task", "\"\""),
        ("task", "\"deploy\\t2\""),
    ] {
        let text = if field == "ref" {
            format!("        web:\n          environment: production\n          ref: {value}\n")
        } else {
            format!(
                "        web:\n          environment: production\n          ref: main\n          task: {value}\n"
            )
        };
        let errors = errors(&records(&text));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains(&format!("invalid `{field}` of deployment record `web`")),
            "{errors:#?}"
        );
    }
    for good in [
        "main",
        "v1.4.2",
        "release/2026-12",
        "0123456789abcdef0123456789abcdef01234567",
    ] {
        let r = resources(&records(&format!(
            "        web:\n          environment: production\n          ref: {good}\n"
        )));
        assert_eq!(find(&r, WEB).attributes["ref"], good);
    }
}

#[test]
fn the_description_is_at_most_140_characters() {
    let at_limit = "é".repeat(MAX_DESCRIPTION);
    let body = |d: &str| {
        format!(
            "        web:\n          environment: production\n          ref: main\n          description: \"{d}\"\n"
        )
    };
    let r = resources(&records(&body(&at_limit)));
    assert_eq!(find(&r, WEB).attributes["description"], json!(at_limit));
    assert_eq!(
        errors(&records(&body(&format!("{at_limit}!")))),
        [
            "15:24 the description of deployment record `web` is 141 characters long | GitHub keeps at most 140 characters"
        ]
    );
}

#[test]
fn urls_are_http_or_https() {
    let body = |url: &str| {
        format!(
            "        web:\n          environment: production\n          ref: main\n          environment_url: \"{url}\"\n          log_url: \"{url}\"\n"
        )
    };
    for good in ["https://shop.example.com", "http://10.0.0.1:8080/x?y=1"] {
        resources(&records(&body(good)));
    }
    assert_eq!(
        errors(&records(&body("shop.example.com"))),
        [
            "15:28 `environment_url` of deployment record `web` is not an http(s) URL | write the whole URL, e.g. `https://shop.example.com`",
            "16:20 `log_url` of deployment record `web` is not an http(s) URL | write the whole URL, e.g. `https://shop.example.com`",
        ]
    );
    for bad in ["ftp://shop.example.com", "https://", "file:///etc/passwd"] {
        assert_eq!(errors(&records(&body(bad))).len(), 2, "{bad}");
    }
}

#[test]
fn two_records_of_one_environment_and_task_conflict() {
    let two = "        web:\n          environment: production\n          ref: main\n        api:\n          environment: production\n          ref: main\n";
    let diagnostics = load(&records(two)).unwrap_err();
    let rendered = render(&diagnostics);
    assert!(
        rendered.contains("deployment records `api` and `web` both record task `deploy` in environment `production`")
            && rendered.contains("recorded by `api`")
            && rendered.contains("recorded by `web`"),
        "{rendered}"
    );
    assert_eq!(diagnostics.len(), 1);
    // Another task, or another environment, is another record.
    let tasks = "        web:\n          environment: production\n          ref: main\n        api:\n          environment: production\n          ref: main\n          task: deploy:api\n        web-staging:\n          environment: staging\n          ref: main\n";
    assert_eq!(resources(&records(tasks)).len(), 6);
}

#[test]
fn a_link_follows_a_release_of_another_provider() {
    let head = "  nhn:\n    type: nhn-deploy\n    endpoint: sandbox\nnhn-deploy:\n  releases:\n    web-prod:\n      artifact: shop\n      server_group: web-prod\n      version: \"1.4.2\"\n";
    let record = |link: &str| {
        format!(
            "{PROVIDERS}{head}{}",
            records(&format!(
                "        web:\n          environment: production\n          ref: main\n          link: {link}\n"
            ))
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_in(dir.path(), &record("nhn.release.web-prod")).unwrap();
    let web = find(&loaded.resources, WEB);
    assert_eq!(
        web.follows.as_ref().map(|a| a.as_str()),
        Some("nhn.release.web-prod")
    );
    let err = render(&load_in(dir.path(), &record("nhn.release.web-prd")).unwrap_err());
    assert!(
        err.contains("links to unknown release `nhn.release.web-prd`")
            && err.contains("did you mean `nhn.release.web-prod`?"),
        "{err}"
    );
    let err = render(&load_in(dir.path(), &record(PRODUCTION)).unwrap_err());
    assert!(
        err.contains("environment, not a release")
            && err.contains("releases: nhn.release.web-prod"),
        "{err}"
    );
}

#[test]
fn a_record_left_out_for_its_error_is_not_reported_again_by_depends_on() {
    let body = "        web:\n          environment: production\n          ref: \"\"\n        api:\n          environment: production\n          ref: main\n          task: deploy:api\n          depends_on: [\"gh.repository.\\\"octo-org/shop\\\".deployment.web\"]\n";
    let errors = errors(&records(body));
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

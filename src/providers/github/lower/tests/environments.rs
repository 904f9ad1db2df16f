//! Environments, their protection rules, branch policies, variables and secrets.

use serde_json::json;

use super::*;

#[test]
fn the_wait_timer_is_0_to_43200_minutes() {
    for minutes in [0, 1, 43_200] {
        let r = resources(&production(&format!("          wait_timer: {minutes}\n")));
        assert_eq!(
            find(&r, PRODUCTION).attributes,
            json!({ "wait_timer": minutes })
        );
    }
    for minutes in [43_201, 50_000, u32::MAX] {
        assert_eq!(
            errors(&production(&format!("          wait_timer: {minutes}\n"))),
            [format!(
                "10:23 a wait timer of {minutes} minutes is longer than GitHub allows | an integer from 0 to 43200 (minutes: at most 30 days)"
            )]
        );
    }
}

#[test]
fn a_too_long_wait_timer_is_located_with_the_range() {
    insta::assert_snapshot!(rendered(&production("          wait_timer: 50000\n")));
}

#[test]
fn settings_left_out_are_not_managed_and_any_branch_is_null() {
    let r = resources(&production("          protect: true\n"));
    assert_eq!(find(&r, PRODUCTION).attributes, json!({}));
    let r = resources(&production("          deployment_branch_policy: any\n"));
    assert_eq!(
        find(&r, PRODUCTION).attributes,
        json!({ "deployment_branch_policy": null })
    );
    let r = resources(&production(
        "          deployment_branch_policy: protected\n",
    ));
    assert_eq!(
        find(&r, PRODUCTION).attributes,
        json!({ "deployment_branch_policy": "protected" })
    );
    assert_eq!(r.len(), 2, "no policy children with protected branches");
}

#[test]
fn at_most_six_reviewers_each_once() {
    let six =
        "          reviewers:\n            users: [a, b, c, d]\n            teams: [ops, sre]\n";
    let r = resources(&production(six));
    assert_eq!(
        find(&r, PRODUCTION).attributes["reviewers"],
        json!({ "users": ["a", "b", "c", "d"], "teams": ["ops", "sre"] })
    );
    let seven =
        "          reviewers:\n            users: [a, b, c, d, e]\n            teams: [ops, sre]\n";
    assert_eq!(
        errors(&production(seven)),
        [
            "10:11 an environment takes at most 6 reviewers; 7 are listed | any one approval suffices: keep at most 6, and name a team for a larger group"
        ]
    );
    let twice = "          reviewers:\n            users: [octocat, OctoCat]\n            teams: [ops, ops]\n";
    assert_eq!(
        errors(&production(twice)),
        [
            "11:30 reviewer `OctoCat` is listed twice | GitHub matches logins and team slugs ignoring case; list each reviewer once",
            "12:26 reviewer `ops` is listed twice | GitHub matches logins and team slugs ignoring case; list each reviewer once",
        ]
    );
    let blank = "          reviewers:\n            users: [\"\", \"a b\"]\n";
    assert_eq!(errors(&production(blank)).len(), 2);
}

#[test]
fn custom_policies_become_children_and_need_a_pattern() {
    let custom = "          deployment_branch_policy:\n            custom:\n              - branch: \"release/*\"\n              - tag: \"release/*\"\n";
    let r = resources(&production(custom));
    let policies: Vec<(&str, &str)> = (r.iter())
        .filter(|r| r.parent.as_ref().is_some_and(|p| p.as_str() == PRODUCTION))
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        policies,
        [("branch_policy", "release/*"), ("tag_policy", "release/*")],
        "a branch and a tag pattern may be the same text"
    );
    let empty = "          deployment_branch_policy:\n            custom: []\n";
    let errors_found = errors(&production(empty));
    assert_eq!(errors_found.len(), 1, "{errors_found:#?}");
    assert!(
        errors_found[0].starts_with("11:21 a custom deployment branch policy lists at least one pattern | add `- branch: main`")
            && errors_found[0].ends_with("or write `protected`, or `any` for any branch"),
        "{errors_found:#?}"
    );
    let twice = "          deployment_branch_policy:\n            custom:\n              - branch: main\n              - branch: main\n              - tag: \" v1\"\n";
    assert_eq!(
        errors(&production(twice)),
        [
            "13:25 pattern `main` is listed twice | list each pattern once",
            "14:22 invalid pattern ` v1` | a tag pattern has no spaces or control characters",
        ]
    );
}

#[test]
fn one_branch_policy_mode_only_and_patterns_only_under_custom() {
    for policy in [
        "protectd",
        "{ protected: true }",
        "{ custom: [ {branch: main} ], protected: true }",
        "{ custom: [ {branch: main, tag: v1} ] }",
        "{ custom: [ {sha: abc} ] }",
        "[ {branch: main} ]",
    ] {
        let body = format!("          deployment_branch_policy: {policy}\n");
        let errors = errors(&production(&body));
        assert!(
            errors.len() == 1 && errors[0].starts_with("10:"),
            "{policy}: {errors:#?}"
        );
    }
}

#[test]
fn variable_and_secret_names_follow_github() {
    let body = "          variables:\n            API_URL: x\n            _PRIVATE: v2\n            api-url: z\n            GITHUB_SHA: w\n            Github_Token: v\n            9LIVES: u\n          secrets:\n            deploy_key: ${secret.DEPLOY_KEY}\n";
    assert_eq!(
        errors(&production(body)),
        [
            "13:13 invalid variable name `api-url` | names are ASCII letters, digits and `_`, not starting with a digit (did you mean `API_URL`?)",
            "14:13 invalid variable name `GITHUB_SHA` | the `GITHUB_` prefix is reserved for GitHub's own variables; choose another name",
            "15:13 invalid variable name `Github_Token` | the `GITHUB_` prefix is reserved for GitHub's own variables; choose another name",
            "16:13 invalid variable name `9LIVES` | names are ASCII letters, digits and `_`, not starting with a digit (did you mean `_9LIVES`?)",
            "18:13 invalid secret name `deploy_key` | GitHub stores names upper-cased; write `DEPLOY_KEY`",
        ]
    );
}

#[test]
fn names_differing_only_in_case_cannot_both_be_declared() {
    // GitHub upper-cases names: `Api_Url` would be the same variable as `API_URL`.
    let body = "          variables:\n            API_URL: a\n            Api_Url: b\n          secrets:\n            API_URL: ${secret.DEPLOY_KEY}\n";
    assert_eq!(
        errors(&production(body)),
        [
            "12:13 invalid variable name `Api_Url` | GitHub stores names upper-cased; write `API_URL`"
        ],
        "a variable and a secret may share a name"
    );
}

#[test]
fn at_most_100_variables_and_100_secrets() {
    let list = |n: usize| {
        (0..n)
            .map(|i| format!("V{i}: x"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let r = resources(&production(&format!(
        "          variables: {{ {} }}\n",
        list(MAX_PER_ENVIRONMENT)
    )));
    assert_eq!(r.iter().filter(|r| r.kind == "variable").count(), 100);
    assert_eq!(
        errors(&production(&format!(
            "          variables: {{ {} }}\n",
            list(101)
        ))),
        [
            "10:11 an environment holds at most 100 variables; 101 are declared | GitHub's limit per environment; variables shared by every environment belong to the repository or the organisation"
        ]
    );
}

#[test]
fn a_name_yaml_reads_as_a_boolean_is_told_to_be_quoted() {
    let body =
        "          variables:\n            N: v\n            \"Y\": w\n            \"a-b\": w\n";
    assert_eq!(
        errors(&production(body)),
        [
            "11:13 invalid variable name `false` | YAML reads `N` as `false`: quote the name, `\"N\": …`",
            "13:13 invalid variable name `a-b` | names are ASCII letters, digits and `_`, not starting with a digit (did you mean `A_B`?)",
        ]
    );
}

#[test]
fn an_environment_name_yaml_reads_as_a_boolean_is_told_to_be_quoted() {
    let body = "      environments:\n        on: {}\n        \"off\": {}\n        'yes': {}\n";
    assert_eq!(
        errors(&repo(body)),
        [
            "9:9 environment `on` would be named `true` | YAML reads `on` as `true`: quote the name, `\"on\": …`"
        ]
    );
}

#[test]
fn a_bad_secret_name_is_located_with_a_hint() {
    let body = "          secrets:\n            DEPLOY-KEY: ${secret.DEPLOY_KEY}\n";
    insta::assert_snapshot!(rendered(&production(body)));
}

#[test]
fn secrets_come_from_secrets_and_variables_never_do() {
    let body = "          variables:\n            TOKEN: ${secret.OTHER_KEY}\n          secrets:\n            DEPLOY_KEY: hunter2hunter2\n            OTHER_KEY: ${secret.OTHER_KEY}\n";
    let errors = errors(&production(body));
    assert_eq!(
        errors,
        [
            "11:20 variable `TOKEN` holds a secret, and variables are readable in plain text | declare `TOKEN` under `secrets:` instead",
            "13:25 secret `DEPLOY_KEY` must come from a secret, not the manifest text | write `DEPLOY_KEY: ${secret.DEPLOY_KEY}` and export the value",
        ]
    );
    assert!(
        !errors.iter().any(|e| e.contains("other-key-value")),
        "no secret value in a message: {errors:#?}"
    );
    let r = resources(&production(
        "          rotate_secrets: true\n          secrets:\n            DEPLOY_KEY: \"${secret.DEPLOY_KEY}\"\n",
    ));
    let secret = find(&r, &format!("{PRODUCTION}.secret.DEPLOY_KEY"));
    assert_eq!(secret.attributes["rotate"], true);
    assert_eq!(secret.sensitive, ["value"]);
}

#[test]
fn values_are_at_most_48_kb() {
    let at_limit = "x".repeat(MAX_VALUE_BYTES);
    let r = resources(&production(&format!(
        "          variables:\n            BIG: {at_limit}\n"
    )));
    assert_eq!(
        find(&r, &format!("{PRODUCTION}.variable.BIG")).attributes["value"],
        json!(at_limit)
    );
    let over = format!("{at_limit}y");
    let errors = errors(&production(&format!(
        "          variables:\n            BIG: {over}\n"
    )));
    assert_eq!(
        errors,
        [
            "11:18 the value of variable `BIG` is over 48 KB | GitHub takes values of at most 48 KB (49152 bytes)"
        ]
    );
}

#[test]
fn environment_names_are_unique_ignoring_case_and_valid() {
    let body = "      environments:\n        production: {}\n        Production: {}\n        staging: {}\n";
    assert_eq!(
        errors(&repo(body)),
        [
            "9:9 environments `Production` and `production` are one environment on GitHub | GitHub matches environment names ignoring case; declare it once"
        ]
    );
    let long = "e".repeat(256);
    let body = format!(
        "      environments:\n        {long}: {{}}\n        \" padded\": {{}}\n        review/pr-1: {{}}\n"
    );
    let errors = errors(&repo(&body));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains("at most 255 characters")
            && errors[1].contains("leading or trailing spaces"),
        "{errors:#?}"
    );
    let r = resources(&repo("      environments:\n        review/pr-1: {}\n"));
    assert!(
        r.iter()
            .any(|r| r.address.as_str() == format!("{REPO}.environment.\"review/pr-1\""))
    );
}

#[test]
fn every_error_of_a_repository_is_reported_at_once() {
    let body = "      environments:\n        production:\n          wait_timer: 43201\n          reviewers: { users: [a, b, c, d, e, f, g] }\n          deployment_branch_policy: { custom: [] }\n          secrets: { GITHUB_KEY: plain }\n      deployments:\n        web:\n          environment: prod\n          ref: \"\"\n          description: \"".to_owned()
        + &"d".repeat(141)
        + "\"\n          log_url: ci.example.com/42\n";
    let errors = errors(&repo(&body));
    assert_eq!(errors.len(), 9, "{errors:#?}");
}

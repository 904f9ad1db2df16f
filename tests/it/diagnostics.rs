//! Broken manifests: each gives located diagnostics on stderr, exit 1, and no request to
//! any provider (the sandbox's request log proves it). The rendered diagnostics are held
//! in snapshots.

use crate::common::{World, assert_code, fixture, ncp, stderr, world};

/// The valid manifest each case breaks in one place.
fn base() -> String {
    fixture("ncp/shop-versioned.yaml")
}

/// Runs `args` on the manifest `text` and returns the diagnostics with the port filtered.
fn broken(w: &World, text: &str, args: &[&str]) -> String {
    w.manifest(text);
    let mut full = vec!["validate", "deployplan.yaml"];
    full.extend_from_slice(args);
    let validate = w.run(&full);
    assert_code(&validate, 1);
    let mut plan_args = vec!["plan", "deployplan.yaml"];
    plan_args.extend_from_slice(args);
    let plan = w.run(&plan_args);
    assert_code(&plan, 1);
    assert!(
        w.requests().is_empty(),
        "no request may be sent: {:?}",
        w.requests()
    );
    let text = stderr(&validate);
    assert_eq!(
        text,
        stderr(&plan),
        "validate and plan report the same diagnostics"
    );
    assert!(
        !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
        "{text}"
    );
    let port = regex_lite_port(&w.endpoint(ncp::TYPE));
    text.replace(&port, "PORT")
}

fn regex_lite_port(url: &str) -> String {
    url.rsplit(':')
        .next()
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned()
}

macro_rules! case {
    ($name:ident, $edit:expr) => {
        case!($name, $edit, &[]);
    };
    ($name:ident, $edit:expr, $args:expr) => {
        #[test]
        fn $name() {
            let w = world();
            let edit: fn(&str) -> String = $edit;
            let text = broken(&w, &edit(&base()), $args);
            insta::assert_snapshot!(stringify!($name), text);
        }
    };
}

case!(yaml_syntax_error, |b| b
    .replace("servers: [1011]", "servers: [1011"));
case!(unknown_field_with_suggestion, |b| b
    .replace("strategy: normal", "stratgy: normal"));
case!(wrong_type, |b| b
    .replace("servers: [1011]", "servers: lots"));
case!(bad_enum_value, |b| b.replace("type: server", "type: sever"));
case!(dangling_release_reference, |b| b
    .replace("scenario: shop/dev/web", "scenario: shop/dev/wbe"));
case!(dependency_cycle, |b| b.replace(
    "              rollback: true\n",
    "              rollback: true\n              depends_on: [ncp.release.web-dev]\n"
));
case!(a_broken_release_named_in_depends_on_is_one_error, |b| b
    .replace("scenario: shop/dev/web", "scenario: shop/dev/wbe")
    .replace(
        "              rollback: true\n",
        "              rollback: true\n              depends_on: [ncp.release.web-dev]\n"
    ));
case!(two_releases_deploy_one_scenario, |b| {
    b.replace(
    "  releases:\n    web-dev:\n      scenario: shop/dev/web\n",
    "  releases:\n    web-dev:\n      scenario: shop/dev/web\n    web-again:\n      scenario: shop/dev/web\n      depends_on: [ncp.release.web-dev]\n",
)
});
case!(missing_secret, |b| b.replace(
    "strategy: normal",
    "strategy: normal\n              description: \"${secret.DEPLOYPLAN_TEST_MISSING_SECRET}\""
));
case!(
    unknown_environment,
    |b| b.to_owned(),
    &["--env", "prodution"]
);
case!(unknown_variable, |b| b
    .replace("${var.version}", "${var.verison}"));
case!(misspelt_variable_in_an_environment, |b| b.replace(
    "      version: \"1.5.0\"",
    "      verison: \"1.5.0\""
));
case!(variable_referring_to_a_variable, |b| b.replace(
    "  version: \"1.4.2\"\n",
    "  version: \"1.4.2\"\n  file: \"shop-${var.version}\"\n"
));
case!(
    required_variable_not_set_by_the_environment,
    |b| b
        .replace("  version: \"1.4.2\"\n", "  version: ~\n")
        .replace(
            "environments:\n",
            "environments:\n  staging:\n    description: no version here\n"
        ),
    &["--env", "staging"]
);
case!(required_variable_without_an_environment, |b| b
    .replace("  version: \"1.4.2\"\n", "  version: ~\n"));
case!(wrong_file_type_lists_the_types, |b| b
    .replace("type: object-storage", "type: objectstorage"));
case!(variable_of_a_form_vars_cannot_hold, |b| b
    .replace("  version: \"1.4.2\"\n", "  version: [1, 4]\n"));
case!(integer_too_large_for_its_field, |b| b.replace(
    "servers: [1011]",
    "servers: [1011, 99999999999999999999999]"
));
case!(strategy_not_available_for_target, |b| b
    .replace("strategy: normal", "strategy: blue-green"));
case!(missing_required_block, |b| b
    .replace("              rollback: true\n", ""));
case!(provider_instance_name_with_a_dot, |b| b
    .replace("  ncp:\n    type:", "  ncp.eu:\n    type:"));
case!(another_providers_setting, |b| b.replace(
    "    endpoint: {{NCP}}\n",
    "    endpoint: {{NCP}}\n    app_key: SandboxDemoAppKey\n"
));
case!(misspelt_credential, |b| b.replace(
    "    endpoint: {{NCP}}\n",
    "    endpoint: {{NCP}}\n    credentials:\n      acess_key: ${env.KEY}\n"
));
case!(literal_secret_key, |b| b.replace(
    "    endpoint: {{NCP}}\n",
    "    endpoint: {{NCP}}\n    credentials:\n      secret_key: hunter2hunter2\n"
));

#[test]
fn every_error_is_reported_at_once() {
    let w = world();
    let text = base()
        .replace("strategy: normal", "stratgy: normal")
        .replace("servers: [1011]", "servers: lots")
        .replace("scenario: shop/dev/web", "scenario: shop/dev/wbe")
        .replace("${var.version}", "${var.verison}");
    let out = broken(&w, &text, &[]);
    for expected in [
        "unknown field `stratgy`",
        "wrong type",
        "unknown variable `verison`",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert!(out.contains("errors in the manifest"), "{out}");
}

/// `version: ~` declares a variable every environment must set: one that sets it is valid.
#[test]
fn a_required_variable_set_by_the_environment_is_valid() {
    let w = world();
    w.manifest(&base().replace("  version: \"1.4.2\"\n", "  version: ~\n"));
    let out = w.run(&["validate", "--env", "production"]);
    assert_code(&out, 0);
}

/// A structural error in one entry does not hide the semantic errors elsewhere: the
/// misspelt key, the dangling `scenario:` and the broken `depends_on` come in one run, and
/// the release naming the broken scenario is not a second error.
#[test]
fn a_misspelt_key_does_not_hide_references_elsewhere() {
    let w = world();
    let text = base()
        .replace("strategy: normal", "stratgy: normal")
        .replace(
            "          target:\n",
            "          depends_on: [ncp.release.nope]\n          target:\n",
        )
        + "    other:\n      scenario: shop/dev/nothere\n";
    let out = broken(&w, &text, &[]);
    for expected in [
        "unknown field `stratgy`",
        "release `other` refers to unknown scenario `shop/dev/nothere`",
        "depends on unknown resource `ncp.release.nope`",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert!(!out.contains("`shop/dev/web`"), "{out}");
    insta::assert_snapshot!("misspelt_key_and_references_at_once", out);
}

#[test]
fn duplicate_names_across_files_point_at_both() {
    let w = world();
    std::fs::create_dir(w.path().join("manifests")).unwrap();
    let first = w.fill(&base());
    std::fs::write(w.path().join("manifests/a.yaml"), &first).unwrap();
    std::fs::write(
        w.path().join("manifests/b.yaml"),
        "ncp-sourcedeploy:\n  projects:\n    shop:\n      stages: {}\n",
    )
    .unwrap();
    let out = w.run(&["validate", "manifests"]);
    assert_code(&out, 1);
    let text = stderr(&out);
    assert!(text.contains("`shop` is declared more than once"), "{text}");
    assert!(
        text.contains("manifests/b.yaml:3:5") && text.contains("manifests/a.yaml:13:5"),
        "{text}"
    );
    assert!(w.requests().is_empty());
}

#[test]
fn arbitrary_bytes_never_panic() {
    let w = world();
    for text in [
        "\u{0}\u{1}",
        "- [",
        "a: !!binary x",
        "*alias",
        "? [a, b]\n: c",
        "providers: [1, 2]",
        "ncp-sourcedeploy: 5",
        "{}",
    ] {
        std::fs::write(w.path().join("deployplan.yaml"), text).unwrap();
        let out = w.run(&["validate"]);
        let err = stderr(&out);
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{text:?}: {err}"
        );
    }
}

/// An empty (or wrong) manifest is valid, but must not pass in CI as a quiet "no changes".
#[test]
fn a_manifest_without_resources_is_warned_about() {
    let w = world();
    w.manifest(&format!(
        "# nothing yet\n{}",
        fixture("ncp/provider-only.yaml")
    ));
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    assert!(
        stderr(&plan).contains("declares no resources: there is nothing to plan or apply"),
        "{}",
        stderr(&plan)
    );
}

//! The output read back as a manifest: written as YAML the way `deployplan export` writes
//! it, loaded through the real loader with no diagnostic, into resources whose attributes
//! are what AxHub's API shows (read with the emulator's own test client, independent of
//! the real one); and, over generated connections, every entry export writes loads so,
//! and every connection the manifest's rules accept is written.

use proptest::prelude::*;

use super::*;
use crate::manifest::testkit::{Kit, find};
use crate::model::Resource;

/// One instance, as a manifest that declares only the provider.
const ONE: Kit = Kit {
    providers: "providers:\n  ax:\n    type: axhub\n    endpoint: sandbox\n    tenant: acme\n",
    env: |_| None,
};

/// Two instances of the type: each entry must name its own.
const TWO: Kit = Kit {
    providers: "providers:\n  ax:\n    type: axhub\n    endpoint: sandbox\n    tenant: acme\n  other:\n    type: axhub\n    endpoint: sandbox\n    tenant: globex\n",
    env: |_| None,
};

/// The section as `deployplan export` writes it: a literal `${` escaped, YAML through the
/// same writer and options.
fn document(section: &Value) -> String {
    fn escape(value: &mut Value) {
        match value {
            Value::String(text) => *text = text.replace("${", "$${"),
            Value::Array(items) => items.iter_mut().for_each(escape),
            Value::Object(map) => map.values_mut().for_each(escape),
            _ => {}
        }
    }
    let mut section = section.clone();
    escape(&mut section);
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    serde_saphyr::to_string_with_options(&json!({ TYPE: section }), options).expect("YAML")
}

/// The resources of the document, which must load without a diagnostic.
fn loaded(kit: &Kit, section: &Value) -> Vec<Resource> {
    kit.resources(&document(section))
}

#[tokio::test]
async fn the_export_loads_into_what_the_api_shows() {
    let (sandbox, ax) = with_staging().await;
    let exported = export_of(&sandbox, &ExportFilter::default()).await;
    let resources = loaded(&ONE, &exported.section);
    for slug in ["api", "blog", "portal", "shop"] {
        let app = ax
            .get(&format!("/apps/{}", testkit::app_id(slug)))
            .await
            .expect(200);
        let connection = (ax.get(&format!("/apps/{}/git-connection", testkit::app_id(slug))))
            .await
            .expect(200);
        let address = format!("ax.app.{slug}");
        assert_eq!(find(&resources, &address).attributes, json!({}));
        let git = resources
            .iter()
            .find(|r| r.address.as_str() == format!("{address}.git_connection.{slug}"));
        match connection["connected"].as_bool() {
            Some(true) => assert_eq!(
                git.expect("a connection").attributes,
                json!({
                    "repository": connection["repo_full_name"],
                    "branch": connection["branch"],
                    "installation": connection["installation_id"],
                }),
                "{slug}"
            ),
            _ => assert!(git.is_none(), "{slug}: {git:?}"),
        }
        let staging = resources
            .iter()
            .find(|r| r.address.as_str() == format!("{address}.staging.{slug}"));
        let enabled = app["staging_enabled"].as_bool().expect("staging_enabled");
        assert_eq!(
            staging.expect("staging").attributes,
            json!({ "enabled": enabled }),
            "{slug}"
        );
    }
    assert_eq!(resources.len(), 4 + 3 + 4);
}

#[tokio::test]
async fn a_pinned_export_loads_beside_another_instance_of_the_type() {
    let (sandbox, _ax) = with_staging().await;
    let filter = ExportFilter {
        pin_instance: true,
        ..ExportFilter::default()
    };
    let exported = export_of(&sandbox, &filter).await;
    let resources = loaded(&TWO, &exported.section);
    assert_eq!(resources.len(), 4 + 3 + 4);
    assert!(
        resources.iter().all(|r| r.provider == INSTANCE),
        "{resources:?}"
    );
    // Unpinned, the same section is ambiguous there: the pin is what makes it load.
    let unpinned = export_of(&sandbox, &ExportFilter::default()).await;
    assert!(TWO.load(&document(&unpinned.section)).is_err());
}

/// A git connection as AxHub could answer it: GitHub's or another host's, with any
/// repository, branch and installation text.
fn connection() -> impl Strategy<Value = GitConnection> {
    let provider = prop_oneof![4 => Just("github".to_owned()), 1 => "gitlab|bitbucket|GitHub"];
    let repository = prop_oneof![
        3 => "[a-z][a-z0-9-]{0,8}/[a-zA-Z0-9._-]{1,10}",
        1 => "[a-zA-Z0-9 ./_${}-]{0,14}",
    ];
    let branch = prop_oneof![
        3 => "[a-z][a-z0-9/-]{0,10}[a-z0-9]",
        1 => "[a-zA-Z0-9 ./~^:?*@{}$\\[-]{0,12}",
    ];
    let installation = prop_oneof![
        3 => (1i64..10_000_000).prop_map(|n| Some(n.to_string())),
        1 => prop_oneof![Just(None), "-?[0-9]{1,4}|0[0-9]{1,3}|[a-z]{1,3}| [0-9]|".prop_map(Some)],
    ];
    (provider, repository, branch, installation).prop_map(
        |(provider, repository, branch, installation_id)| GitConnection::Connected {
            provider,
            repository,
            branch,
            installation_id,
        },
    )
}

/// Whether the manifest's own rules accept the connection as written.
fn declarable(git: &GitConnection) -> bool {
    use crate::providers::common::git::{ref_problem, repository_problem};
    let GitConnection::Connected {
        provider,
        repository,
        branch,
        installation_id,
    } = git
    else {
        return true;
    };
    let installation = installation_id
        .as_deref()
        .and_then(|id| id.parse::<i64>().ok());
    provider == "github"
        && repository_problem(repository).is_none()
        && ref_problem(branch).is_none()
        && installation.is_some_and(|n| n > 0 && Some(n.to_string()) == *installation_id)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn what_is_written_loads_exactly_and_what_the_rules_accept_is_written(
        git in connection(),
        staging in any::<bool>(),
        pin in any::<bool>(),
    ) {
        let app = remote_app("shop", staging);
        let pinned = pin.then_some(INSTANCE);
        let checked = entry_of(&app, &git, pinned).and_then(|e| check::check(INSTANCE, &app, &git, e));
        prop_assert_eq!(checked.is_ok(), declarable(&git), "{:?}: {:?}", git, checked);
        let Ok(entry) = checked else { return Ok(()) };
        let resources = loaded(&ONE, &json!({ "apps": { "shop": entry } }));
        let GitConnection::Connected { repository, branch, installation_id, .. } = &git else {
            unreachable!("generated connections are connected")
        };
        let installation: i64 = installation_id.as_deref().unwrap().parse().unwrap();
        let connection = find(&resources, "ax.app.shop.git_connection.shop");
        prop_assert_eq!(
            &connection.attributes,
            &json!({ "repository": repository, "branch": branch, "installation": installation })
        );
        let written = find(&resources, "ax.app.shop.staging.shop");
        prop_assert_eq!(&written.attributes, &json!({ "enabled": staging }));
        prop_assert_eq!(resources.len(), 3);
    }
}

#[test]
fn interpolation_syntax_in_a_branch_is_written_so_that_it_loads_literally() {
    let app = remote_app("shop", false);
    let git = GitConnection::Connected {
        provider: "github".into(),
        repository: "acme/shop".into(),
        branch: "env-${name}-$${x}".into(),
        installation_id: Some("7".into()),
    };
    let entry = entry_of(&app, &git, None).and_then(|e| check::check(INSTANCE, &app, &git, e));
    let resources = loaded(
        &ONE,
        &json!({ "apps": { "shop": entry.expect("declarable") } }),
    );
    let connection = find(&resources, "ax.app.shop.git_connection.shop");
    assert_eq!(connection.attributes["branch"], "env-${name}-$${x}");
}

//! Apps the manifest language cannot declare exactly are left out with the reason, the
//! others exported as usual: made on the emulator where AxHub accepts what the manifest
//! refuses (a slug, a branch, a repository name), and as AxHub's answers the emulator never
//! gives (another host than GitHub, an installation id that is no number).

use super::*;

/// The skipped addresses and reasons.
fn skips(exported: &Exported) -> Vec<(String, String)> {
    (exported.skipped.iter())
        .map(|s| (s.address.to_string(), s.reason.clone()))
        .collect()
}

#[tokio::test]
async fn apps_the_manifest_cannot_declare_are_left_out_with_the_reason() {
    let (sandbox, ax) = testkit::manual().await;
    // A slug from before AxHub's slug rule.
    let legacy = json!({ "slug": "Legacy_App", "repo": "acme/shop" });
    ax.admin(Method::POST, "/apps", Some(legacy))
        .await
        .expect(200);
    // A repository name GitHub refuses (as the manifest does), which AxHub keeps as given.
    let odd = json!({ "full_name": "acme/web app" });
    ax.admin(Method::POST, "/repos", Some(odd))
        .await
        .expect(200);
    let web = json!({ "slug": "web", "repo": "acme/web app" });
    ax.admin(Method::POST, "/apps", Some(web)).await.expect(200);
    // A branch AxHub accepts and Git's ref rules (`/.`) refuse.
    let blog = format!("/apps/{}/git-connection", testkit::app_id("blog"));
    ax.patch(&blog, json!({ "branch": "release/.next" }))
        .await
        .expect(200);

    let client = client(&sandbox);
    let exported = export(INSTANCE, &client, "acme", &ExportFilter::default())
        .await
        .expect("export");
    let skipped = skips(&exported);
    let addresses: Vec<&str> = skipped.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        addresses,
        ["ax.app.Legacy_App", "ax.app.blog", "ax.app.web"],
        "{skipped:#?}"
    );
    let reason = |at: usize| skipped[at].1.as_str();
    assert!(
        reason(0).starts_with("its slug `Legacy_App` is not valid in a manifest: an app slug is"),
        "{}",
        reason(0)
    );
    assert!(reason(1).contains("it breaks a manifest rule: invalid branch `release/.next` (a branch or tag name does not contain `/.`)"), "{}", reason(1));
    assert!(
        reason(2).contains("it breaks a manifest rule: invalid repository `acme/web app` ("),
        "{}",
        reason(2)
    );
    // The others are exported; every slug stays available.
    let apps = exported.section["apps"].as_object().expect("apps");
    let exported_slugs: Vec<&String> = apps.keys().collect();
    assert_eq!(exported_slugs, ["api", "portal", "shop"]);
    assert_eq!(
        exported.summary,
        "3 apps, 2 git connections, 0 with staging"
    );
    assert_eq!(
        exported.available,
        ["Legacy_App", "api", "blog", "portal", "shop", "web"]
    );
    // The slug the manifest refuses is not read further: 2 lists + 5 connections.
    assert_eq!(client.http().stats().total, 7);
}

#[test]
fn connections_the_manifest_has_no_words_for_are_refused_before_lowering() {
    let app = |staging| remote_app("shop", staging);
    let connected = |provider: &str, installation: Option<&str>| GitConnection::Connected {
        provider: provider.into(),
        repository: "acme/shop".into(),
        branch: "main".into(),
        installation_id: installation.map(str::to_owned),
    };
    let cases = [
        (
            connected("gitlab", Some("1")),
            "through `gitlab`; the manifest declares GitHub connections only",
        ),
        (connected("GitHub", Some("1")), "through `GitHub`"),
        (
            connected("github", None),
            "names no GitHub App installation",
        ),
        (
            connected("github", Some("0042")),
            "installation `0042` is not a number",
        ),
        (
            connected("github", Some("4242abc")),
            "installation `4242abc` is not a number",
        ),
        (
            connected("github", Some("99999999999999999999")),
            "is not a number a manifest can hold",
        ),
    ];
    for (git, expected) in cases {
        let reason = entry_of(&app(false), &git, None).expect_err("refused");
        assert!(reason.contains(expected), "{git:?}: {reason}");
    }
    // A number, but not one the manifest's rule accepts: lowering says so.
    let negative = connected("github", Some("-5"));
    let entry = entry_of(&app(true), &negative, None).expect("a number");
    let reason = check::check(INSTANCE, &app(true), &negative, entry).expect_err("refused");
    assert!(
        reason.contains("installation -5 is not a positive number"),
        "{reason}"
    );
    // Not connected: no `git`, whatever else the answer says.
    let none = GitConnection::Disconnected {
        install_url: Some("https://github.com/apps/axhub".into()),
    };
    assert_eq!(
        entry_of(&app(true), &none, None),
        Ok(json!({ "staging": true }).as_object().unwrap().clone())
    );
}

#[test]
fn an_app_whose_slug_another_app_has_is_left_out() {
    let shop = remote_app("shop", false);
    let reason = unaddressable(&shop, 2).expect("ambiguous");
    assert_eq!(
        reason,
        "2 apps of the tenant have the slug `shop`: a manifest entry could name either"
    );
    assert_eq!(unaddressable(&shop, 1), None);
}

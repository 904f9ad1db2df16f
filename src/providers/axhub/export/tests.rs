//! Export against the AxHub emulator over loopback: every app of the seeded tenant `acme`
//! (shop, blog, api, portal), `only`, an unknown `only`, a pinned instance, apps left out
//! for what the manifest cannot declare, an unknown tenant; and the output lowered through
//! the real loader into the attributes AxHub's API shows.

mod lowering;
mod skips;

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::*;
use crate::providers::axhub::TYPE;
use crate::providers::axhub::client::Token;
use crate::providers::axhub::emulator::demo;
use crate::providers::axhub::emulator::testkit::{self, Ax, TestClient};
use crate::providers::common::fake;
use crate::sandbox::{FaultConfig, SandboxHandle, SandboxOptions};

/// The instance every case exports.
const INSTANCE: &str = "ax";

fn client(sandbox: &SandboxHandle) -> AxhubClient {
    let base = sandbox.base_url(TYPE);
    AxhubClient::new(&base, Token(demo::AXHUB_TOKEN.into()), fake::http()).expect("client")
}

fn only(slugs: &[&str]) -> ExportFilter {
    ExportFilter {
        only: slugs.iter().map(|s| (*s).to_owned()).collect(),
        ..ExportFilter::default()
    }
}

async fn export_of(sandbox: &SandboxHandle, filter: &ExportFilter) -> Exported {
    export(INSTANCE, &client(sandbox), "acme", filter)
        .await
        .expect("export")
}

/// A sandbox whose app `shop` has staging on (it has a production deployment).
async fn with_staging() -> (SandboxHandle, Ax) {
    let (sandbox, ax) = testkit::manual().await;
    let shop = testkit::app_id("shop");
    ax.put(&format!("/apps/{shop}/staging"), json!({}))
        .await
        .expect(202);
    (sandbox, ax)
}

/// An app as AxHub lists it.
fn remote_app(slug: &str, staging_enabled: bool) -> App {
    App {
        id: "a0000000-0000-4000-8000-000000000001".into(),
        tenant_id: None,
        slug: slug.into(),
        name: None,
        subdomain: None,
        status: None,
        last_deployment_status: None,
        access_url: None,
        production_deployment_id: None,
        staging_enabled,
        staging_required: false,
        deploy_method: None,
    }
}

fn git(repository: &str) -> Value {
    json!({ "repository": repository, "branch": "main", "installation": 4242 })
}

#[tokio::test]
async fn every_app_is_exported_with_its_connection_and_staging_and_only_reads() {
    let (sandbox, _ax) = with_staging().await;
    let client = client(&sandbox);
    let exported = export(INSTANCE, &client, "acme", &ExportFilter::default())
        .await
        .expect("export");
    assert_eq!(
        exported.section,
        json!({ "apps": {
            "api": { "staging": false },
            "blog": { "git": git("acme/blog"), "staging": false },
            "portal": { "git": git("acme/portal"), "staging": false },
            "shop": { "git": git("acme/shop"), "staging": true },
        }})
    );
    assert_eq!(
        exported.summary,
        "4 apps, 3 git connections, 1 with staging"
    );
    assert_eq!(exported.available, ["api", "blog", "portal", "shop"]);
    assert_eq!(exported.noun, "apps");
    assert!(exported.skipped.is_empty() && exported.unmatched.is_empty());
    assert!(
        exported.notes[0].contains("No `releases:`"),
        "{:?}",
        exported.notes
    );
    assert_eq!(exported.notes.len(), 1, "{:?}", exported.notes);
    // One tenant list, one app list, one connection per app; nothing written.
    let stats = client.http().stats();
    assert_eq!((stats.total, stats.method("GET")), (6, 6), "{stats:?}");
}

#[tokio::test]
async fn only_exports_the_named_apps_and_reads_nothing_of_the_others() {
    let (sandbox, _ax) = with_staging().await;
    let client = client(&sandbox);
    let exported = export(INSTANCE, &client, "acme", &only(&["api", "shop"]))
        .await
        .expect("export");
    assert_eq!(
        exported.section,
        json!({ "apps": {
            "api": { "staging": false },
            "shop": { "git": git("acme/shop"), "staging": true },
        }})
    );
    assert_eq!(exported.summary, "2 apps, 1 git connection, 1 with staging");
    // Every slug stays available, for "did you mean".
    assert_eq!(exported.available, ["api", "blog", "portal", "shop"]);
    assert_eq!(client.http().stats().total, 4);
}

#[tokio::test]
async fn an_unknown_only_exports_nothing_and_names_what_exists() {
    let (sandbox, _ax) = testkit::manual().await;
    let client = client(&sandbox);
    let exported = export(INSTANCE, &client, "acme", &only(&["shop", "shpo", "web"]))
        .await
        .expect("export");
    assert_eq!(exported.unmatched, ["shpo", "web"]);
    assert_eq!(exported.available, ["api", "blog", "portal", "shop"]);
    assert_eq!(exported.noun, "apps");
    assert_eq!(exported.section, Value::Null, "nothing is exported");
    assert!(exported.summary.is_empty() && exported.notes.is_empty());
    // No app was read further.
    assert_eq!(client.http().stats().total, 2);
}

#[tokio::test]
async fn a_pinned_instance_names_itself_on_every_app() {
    let (sandbox, _ax) = testkit::manual().await;
    let filter = ExportFilter {
        pin_instance: true,
        ..ExportFilter::default()
    };
    let exported = export_of(&sandbox, &filter).await;
    let apps = exported.section["apps"].as_object().expect("apps");
    assert_eq!(apps.len(), 4);
    for (slug, app) in apps {
        assert_eq!(app["provider"], INSTANCE, "{slug}: {app}");
        // `provider` comes first, as a person writes it.
        assert_eq!(app.as_object().unwrap().keys().next().unwrap(), "provider");
    }
    assert_eq!(
        apps["api"],
        json!({ "provider": INSTANCE, "staging": false })
    );
}

#[tokio::test]
async fn an_unknown_tenant_is_an_error_naming_the_tenants_the_token_sees() {
    let (sandbox, _ax) = testkit::manual().await;
    for (tenant, hint) in [
        ("acne", "did you mean `acme`?"),
        ("globex", "the token's tenants: acme; set `tenant:`"),
    ] {
        let client = client(&sandbox);
        let error = export(INSTANCE, &client, tenant, &ExportFilter::default())
            .await
            .expect_err("unknown tenant");
        let ProviderError::Config {
            provider,
            message,
            hint: Some(help),
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(provider, INSTANCE);
        assert_eq!(
            message,
            &format!("tenant `{tenant}` is not one the token can see")
        );
        assert!(help.contains(hint), "{help}");
        assert!(help.contains("acme"), "{help}");
        assert_eq!(client.http().stats().total, 1, "only the tenants were read");
    }
}

#[tokio::test]
async fn a_failed_read_is_the_call_that_failed() {
    let (sandbox, _ax) = testkit::manual().await;
    let base = sandbox.base_url(TYPE);
    let client =
        AxhubClient::new(&base, Token("axhub_pat_nobody".into()), fake::http()).expect("client");
    let error = export(INSTANCE, &client, "acme", &ExportFilter::default())
        .await
        .expect_err("no such token");
    let ProviderError::Request { call, message, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(call, "list tenants");
    assert!(message.contains("401"), "{message}");
}

/// The connections are read beside each other: with 800 ms added to every answer, the
/// export of six apps takes three rounds (tenants, apps, connections), not eight.
#[tokio::test]
async fn the_connections_are_read_in_one_round() {
    let sandbox = testkit::start(SandboxOptions {
        faults: FaultConfig {
            latency_ms: 800,
            ..FaultConfig::default()
        },
        ..SandboxOptions::default()
    })
    .await;
    let ax = Ax::new(&sandbox);
    for slug in ["docs", "admin"] {
        let body = json!({ "slug": slug, "repo": "acme/shop" });
        ax.admin(Method::POST, "/apps", Some(body))
            .await
            .expect(200);
    }
    let started = Instant::now();
    let exported = export_of(&sandbox, &ExportFilter::default()).await;
    let elapsed = started.elapsed();
    assert_eq!(
        exported.summary,
        "6 apps, 5 git connections, 0 with staging"
    );
    assert!(
        elapsed < Duration::from_millis(4 * 800),
        "three rounds take under 3.2 s, took {elapsed:?}"
    );
}

/// A tenant given as a secret (`tenant: ${secret.…}`) is not shown by the error.
#[tokio::test]
async fn an_unknown_tenant_from_a_secret_is_not_shown() {
    let (sandbox, _ax) = testkit::manual().await;
    let secret = "acme-5ec2e7-export";
    crate::redact::register(secret);
    let error = export(
        INSTANCE,
        &client(&sandbox),
        secret,
        &ExportFilter::default(),
    )
    .await
    .expect_err("unknown tenant");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("the token's tenants: acme"), "{shown}");
}

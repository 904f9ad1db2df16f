//! A release that follows a running deployment reads as such in every format: the text
//! headline, the markdown block and the JSON document name the deployment it follows.

use serde_json::json;

use super::fixtures::{change, field, plan};
use crate::model::{Action, RunningDeployment};

fn followed() -> crate::engine::plan::Plan {
    let mut release = change(
        "ncp.release.web",
        Action::Deploy,
        "following deployment 41 is inprogress, deploying shop-1.4.2.tgz: apply waits for its end and deploys artifact shop-1.4.2.tgz again only if it fails",
        vec![field(
            "artifact",
            Some(json!("shop-1.4.1.tgz")),
            Some(json!("shop-1.4.2.tgz")),
        )],
    );
    release.kind = "release".into();
    release.following = Some(RunningDeployment {
        id: "41".into(),
        status: "inprogress".into(),
        deploys: Some("shop-1.4.2.tgz".into()),
    });
    plan(vec![release])
}

#[test]
fn text_says_the_deployment_is_followed() {
    let text = super::text::render(&followed());
    assert!(
        text.contains(
            "will follow deployment 41 (inprogress) to its end, then be deployed if still needed"
        ),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_says_the_deployment_is_followed() {
    let md = super::markdown::render(&followed(), super::markdown::COMMENT_LIMIT);
    assert!(md.contains("after following deployment 41"), "{md}");
    insta::assert_snapshot!(md);
}

#[test]
fn json_carries_the_followed_deployment() {
    let doc: serde_json::Value = serde_json::from_str(&super::json(&followed())).unwrap();
    assert_eq!(
        doc["changes"][0]["following"],
        json!({ "id": "41", "status": "inprogress", "deploys": "shop-1.4.2.tgz" })
    );
}

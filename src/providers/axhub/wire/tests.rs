use proptest::prelude::*;
use serde_json::json;

use super::*;

#[test]
fn apps_and_tenants_read_with_nulls_and_unknown_fields() {
    let app: App = serde_json::from_value(json!({
        "id": "a1", "slug": "shop", "subdomain": null, "staging_enabled": null,
        "staging_required": true, "last_deployment_status": "queued", "new_field": {"x": 1}
    }))
    .unwrap();
    assert!(!app.staging_enabled && app.staging_required);
    assert_eq!(
        app.last_deployment_status,
        Some(DeploymentStatus::Other("queued".into()))
    );
    let page: Page<Tenant> =
        serde_json::from_value(json!({"items": null, "next_cursor": "c"})).unwrap();
    assert!(page.items.is_empty() && page.total.is_none());
}

#[test]
fn failure_reasons_read_in_every_form() {
    let read = |value: serde_json::Value| {
        serde_json::from_value::<Deployment>(
            json!({"id": "d", "status": "failed", "failure_reason": value}),
        )
        .unwrap()
        .failure_reason
    };
    assert_eq!(read(json!(null)), None);
    assert_eq!(read(json!("oom")).unwrap().to_string(), "oom");
    assert_eq!(read(json!({"message": "m"})).unwrap().to_string(), "m");
    assert_eq!(read(json!({"code": "c"})).unwrap().to_string(), "c");
    assert_eq!(read(json!([1])).unwrap().to_string(), "[1]");
    assert_eq!(read(json!({})).unwrap().to_string(), "no reason given");
}

fn body<T: Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn request_bodies_carry_only_what_is_set() {
    let start = StartDeployment {
        commit_sha: "abc",
        force_rebuild: false,
    };
    assert_eq!(body(start), json!({"commit_sha": "abc"}));
    assert_eq!(
        body(Rollback {
            confirm_schema_skew: false
        }),
        json!({})
    );
    let disable = DisableStaging {
        confirm_discard_ops: false,
    };
    assert_eq!(body(disable), json!({"confirm_discard_ops": false}));
}

#[test]
fn error_payloads_are_found_wrapped_or_at_the_root() {
    let wrapped = ErrorPayload::parse(br#"{"error":{"code":"not_found","message":"m","requestId":"r","retryable":"yes","fields":"x"}}"#);
    assert_eq!(wrapped.code.as_deref(), Some("not_found"));
    assert_eq!(wrapped.request_id.as_deref(), Some("r"));
    assert_eq!((wrapped.retryable, wrapped.fields.len()), (None, 0));
    let root =
        ErrorPayload::parse(br#"{"code":"github_relogin_required","message":"m","error":"text"}"#);
    assert_eq!(root.code.as_deref(), Some("github_relogin_required"));
    let codeless = ErrorPayload::parse(br#"{"error":{"message":"only a message"}}"#);
    assert_eq!(codeless.message.as_deref(), Some("only a message"));
    assert_eq!(ErrorPayload::parse(b"<html>"), ErrorPayload::default());
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::hash_map(
                prop_oneof![
                    Just("error".to_owned()),
                    Just("code".to_owned()),
                    Just("fields".to_owned()),
                    Just("retry".to_owned()),
                    Just("message".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_json_parses_to_a_payload_without_panicking(value in json_value()) {
        let wrapped = json!({"error": value.clone()});
        for body in [value, wrapped] {
            let _ = ErrorPayload::parse(body.to_string().as_bytes());
        }
    }
}

use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::model::{Change, KindRules, RemoteObject};
use crate::providers::{ApplyContext, Outcome};

/// Answers one object per resource it is given and one warning; records which resources it
/// saw. It first waits at `meeting` (for every instance's fetch to have started), then
/// yields `yields` times. `panics`: its fetch panics instead.
struct Echo {
    name: &'static str,
    panics: bool,
    yields: usize,
    meeting: Option<Arc<tokio::sync::Barrier>>,
    seen: Mutex<Vec<String>>,
}

fn echo(name: &'static str, panics: bool) -> Arc<Echo> {
    Arc::new(Echo {
        name,
        panics,
        yields: 1,
        meeting: None,
        seen: Mutex::new(Vec::new()),
    })
}

#[async_trait]
impl Provider for Echo {
    fn rules(&self, _kind: &str) -> KindRules {
        KindRules::default()
    }

    async fn fetch(
        &self,
        desired: &[&Resource],
        _elsewhere: &BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError> {
        if let Some(meeting) = &self.meeting {
            meeting.wait().await;
        }
        for _ in 0..self.yields {
            tokio::task::yield_now().await;
        }
        assert!(!self.panics, "a provider bug");
        let mut state = RemoteState::default();
        for resource in desired {
            self.seen.lock().unwrap().push(resource.address.to_string());
            state.objects.insert(
                resource.address.clone(),
                RemoteObject {
                    address: resource.address.clone(),
                    kind: resource.kind.clone(),
                    name: resource.name.clone(),
                    parent: None,
                    id: "1".into(),
                    attributes: serde_json::Value::Null,
                    in_flight: None,
                    method: None,
                },
            );
        }
        state.warnings.push(format!("{} read", self.name));
        Ok(state)
    }

    async fn execute(
        &self,
        _change: &Change,
        _desired: Option<&Resource>,
        _ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        unreachable!("fetch only")
    }

    fn requests_sent(&self) -> u64 {
        0
    }
}

fn resource(provider: &str, name: &str) -> Resource {
    let address = format!("{provider}.app.{name}");
    Resource::bare(&address, provider, "app", name, serde_json::Value::Null)
}

fn providers(list: &[Arc<Echo>]) -> HashMap<String, Arc<dyn Provider>> {
    list.iter()
        .map(|p| (p.name.to_owned(), Arc::clone(p) as Arc<dyn Provider>))
        .collect()
}

#[tokio::test]
async fn each_instance_reads_only_its_own_resources_and_warnings_come_in_name_order() {
    // `a` finishes last, so the warnings' order is the names', not the finishing order.
    let a = Arc::new(Echo {
        yields: 20,
        ..Arc::into_inner(echo("a", false)).unwrap()
    });
    let (b, idle) = (echo("b", false), echo("idle", false));
    let resources = [resource("b", "x"), resource("a", "y"), resource("a", "z")];
    for _ in 0..5 {
        let state = fetch_all(
            &resources,
            &BTreeSet::new(),
            &providers(&[b.clone(), a.clone(), idle.clone()]),
        )
        .await
        .unwrap();
        assert_eq!(state.objects.len(), 3);
        assert_eq!(
            state.warnings,
            ["a read", "b read"],
            "an instance with nothing to read is not asked"
        );
    }
    assert_eq!(*b.seen.lock().unwrap(), ["b.app.x"; 5]);
    assert_eq!(*a.seen.lock().unwrap(), ["a.app.y", "a.app.z"].repeat(5));
    assert!(idle.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_instances_fetches_run_side_by_side() {
    // Each fetch waits until both have started: one after the other, neither would end.
    let meeting = Arc::new(tokio::sync::Barrier::new(2));
    let meet = |name| {
        Arc::new(Echo {
            meeting: Some(meeting.clone()),
            ..Arc::into_inner(echo(name, false)).unwrap()
        })
    };
    let resources = [resource("a", "x"), resource("b", "y")];
    let fetched = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        fetch_all(
            &resources,
            &BTreeSet::new(),
            &providers(&[meet("a"), meet("b")]),
        ),
    )
    .await
    .expect("the fetches ran one after the other")
    .unwrap();
    assert_eq!(fetched.objects.len(), 2);
}

#[tokio::test]
async fn a_provider_that_panics_fails_the_fetch_with_its_name_instead_of_the_process() {
    let resources = [resource("ok", "x"), resource("broken", "y")];
    let providers = providers(&[echo("ok", false), echo("broken", true)]);
    let err = fetch_all(&resources, &BTreeSet::new(), &providers)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ProviderError::Precondition(message) if message.contains("provider `broken`")),
        "{err}"
    );
}

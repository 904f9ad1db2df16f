//! Fetching the remote state of every provider instance concurrently.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::model::{Address, RemoteState, Resource};
use crate::providers::{Provider, ProviderError};

/// Fetches each instance's objects for its resources; instances run concurrently.
/// `elsewhere`: addresses declared in the manifest but not in `resources` (see
/// [`Provider::fetch`]).
pub async fn fetch_all(
    resources: &[Resource],
    elsewhere: &BTreeSet<Address>,
    providers: &HashMap<String, Arc<dyn Provider>>,
) -> Result<RemoteState, ProviderError> {
    let mut tasks = JoinSet::new();
    for (name, provider) in providers {
        let mine: Vec<Resource> = resources
            .iter()
            .filter(|r| &r.provider == name)
            .cloned()
            .collect();
        if mine.is_empty() {
            continue;
        }
        let provider = provider.clone();
        let name = name.clone();
        let elsewhere = elsewhere.clone();
        tasks.spawn(async move {
            let refs: Vec<&Resource> = mine.iter().collect();
            provider
                .fetch(&refs, &elsewhere)
                .await
                .map_err(|err| match err {
                    ProviderError::Request {
                        call,
                        message,
                        hint,
                    } => ProviderError::Request {
                        call: format!("provider `{name}`: {call}"),
                        message,
                        hint,
                    },
                    other => other,
                })
        });
    }
    let mut state = RemoteState::default();
    while let Some(joined) = tasks.join_next().await {
        let fetched = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        state.objects.extend(fetched.objects);
        state.warnings.extend(fetched.warnings);
    }
    Ok(state)
}

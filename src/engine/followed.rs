//! Saved plans that follow a running deployment: the deployment progressing or ending
//! between plan and apply is what the plan announced (apply follows it, then decides), so it
//! does not make the plan stale; anything else that moved the release does.

use super::diff;
use crate::model::{Change, KindRules, RemoteObject, Resource};

/// Whether a release's remote moved only the way the plan announced: the deployment the
/// saved change follows has progressed or ended, and nothing else changed. The object with
/// the deployed value it had and the deployment as it was must give the saved fingerprint
/// (no other attribute moved); no other deployment runs now; and the deployed value is the
/// one planned against or the one the followed deployment deploys. Anything else (another
/// deployment started, the scenario edited) is a moved remote, as for any object.
pub(super) fn followed_deployment_moved_on(
    change: &Change,
    object: Option<&RemoteObject>,
    resource: Option<&Resource>,
    rules: &dyn Fn(&Resource) -> KindRules,
) -> bool {
    let (Some(following), Some(object), Some(resource)) = (&change.following, object, resource)
    else {
        return false;
    };
    let Some(field) = rules(resource).release else {
        return false;
    };
    if object
        .in_flight
        .as_ref()
        .is_some_and(|r| r.id != following.id)
    {
        return false;
    }
    let before = change
        .fields
        .iter()
        .find(|f| f.path == field)
        .and_then(|f| f.before.clone());
    let now = object.attributes.get(field);
    let deployed_by_it = match (&following.deploys, now) {
        (Some(deploys), Some(now)) => now.as_str() == Some(deploys.as_str()),
        // What it deploys is unknown: any deployed value may be its doing.
        (None, _) => true,
        (Some(_), None) => false,
    };
    if now != before.as_ref() && !deployed_by_it {
        return false;
    }
    let mut as_planned = object.clone();
    as_planned.in_flight = Some(following.clone());
    if let Some(attributes) = as_planned.attributes.as_object_mut() {
        match before {
            Some(value) => attributes.insert(field.to_owned(), value),
            None => attributes.remove(field),
        };
    }
    diff::fingerprint(Some(&as_planned)) == change.fingerprint
}

#[cfg(test)]
#[path = "followed_tests.rs"]
mod tests;

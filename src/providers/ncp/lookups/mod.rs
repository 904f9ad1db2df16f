//! Plan-time checks of the account infrastructure a manifest names: servers, Auto Scaling
//! groups and their blue/green target groups, Kubernetes clusters, Object Storage buckets and objects, SourceBuild projects,
//! SourceCommit repositories and branches. A name the account does not have would otherwise
//! pass the plan and fail halfway through an apply, tied to no line.
//!
//! Only what the manifest uses is looked up, each list once per plan however many stages
//! use it, all side by side with the reads of the projects (a target group list waits for
//! the Auto Scaling group list, which names the group, while the stages are read). Objects are read with one
//! object list per bucket and branches with one branch list per repository; the bucket and
//! repository lists are read only when a stage names a bucket or one of those lists says
//! its bucket or repository is missing (the error's "available" line needs them).
//!
//! A lookup the API refuses (permission, outage) does not fail the plan on a guess: the
//! names it would have checked are reported as a warning and apply goes on as before.

mod uses;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use futures_util::future::join_all;

use super::client::{NcpClient, NcpError};
use crate::model::Resource;
use crate::providers::{ReferenceError, ReferenceKind};
use crate::suggest::did_you_mean;
use uses::{Use, Uses};

/// How many existing names an error lists before "and N more".
pub const LISTED: usize = 8;

/// What the checks found: names that do not exist, and lookups that could not be made.
#[derive(Debug, Default)]
pub struct Checked {
    pub errors: Vec<ReferenceError>,
    pub warnings: Vec<String>,
}

/// One thing the account has: the value a manifest writes for it, and its display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub name: Option<String>,
}

impl Entry {
    fn key(key: impl ToString) -> Self {
        Entry {
            key: key.to_string(),
            name: None,
        }
    }

    fn named(key: impl ToString, name: &str) -> Self {
        Entry {
            key: key.to_string(),
            name: Some(name.to_owned()),
        }
    }

    fn shown(&self) -> String {
        match &self.name {
            Some(name) if *name != self.key => format!("{} ({name})", self.key),
            _ => self.key.clone(),
        }
    }
}

/// What a lookup answered: the entries, or why there are none to compare with.
type Listed = Result<Vec<Entry>, NcpError>;

/// Checks every infrastructure name `desired` uses against the account's lookups.
pub async fn check(client: &NcpClient, desired: &[&Resource]) -> Checked {
    let uses = Uses::collect(desired);
    if uses.is_empty() {
        return Checked::default();
    }
    let bucket_list_needed = !uses.buckets.is_empty();
    let ((groups, target_groups), servers, clusters, builds, buckets, objects, branches) = tokio::join!(
        groups_and_target_groups(client, &uses),
        when(!uses.servers.is_empty(), async {
            let list = client.list_servers().await?;
            Ok(list
                .iter()
                .map(|s| Entry::named(s.server_no, &s.name))
                .collect())
        }),
        when(!uses.clusters.is_empty(), async {
            let list = client.list_clusters().await?;
            Ok(list.iter().map(|c| Entry::named(&c.id, &c.name)).collect())
        }),
        when(!uses.build_projects.is_empty(), async {
            let list = client.list_sourcebuild_projects().await?;
            Ok(list.iter().map(|p| Entry::named(p.id, &p.name)).collect())
        }),
        when(bucket_list_needed, bucket_list(client)),
        join_all(uses.objects.keys().map(|bucket| async move {
            let listed = client.list_objects(bucket).await;
            (
                bucket.clone(),
                listed.map(|l| l.iter().map(|o| Entry::key(&o.key)).collect()),
            )
        })),
        join_all(uses.branches.keys().map(|repository| async move {
            let listed = client.list_branches(repository).await;
            (
                repository.clone(),
                listed.map(|l| l.iter().map(|b| Entry::key(&b.name)).collect()),
            )
        })),
    );
    let objects: BTreeMap<String, Listed> = objects.into_iter().collect();
    let branches: BTreeMap<String, Listed> = branches.into_iter().collect();

    // A missing bucket or repository: its list says what does exist (second round, only on
    // this error path).
    let missing_bucket = objects.values().any(is_missing);
    let missing_repository = branches.values().any(is_missing);
    let (buckets, repositories) = tokio::join!(
        async {
            match buckets {
                Some(listed) => Some(listed),
                None if missing_bucket => Some(bucket_list(client).await),
                None => None,
            }
        },
        when(missing_repository, async {
            let list = client.list_repositories().await?;
            Ok(list.iter().map(|r| Entry::key(&r.name)).collect())
        }),
    );

    let mut checked = Checked::default();
    let mut compare = |what: &Kind, uses: &[Use], listed: Option<&Listed>| {
        if let Some(listed) = listed {
            checked.compare(what, uses, listed);
        }
    };
    let bucket_kind = account("Object Storage bucket", "Object Storage buckets");
    compare(
        &account("server", "servers"),
        &uses.servers,
        servers.as_ref(),
    );
    compare(
        &account("Auto Scaling group", "Auto Scaling groups"),
        &uses.groups,
        groups.as_ref(),
    );
    compare(
        &account("Kubernetes cluster", "Kubernetes clusters"),
        &uses.clusters,
        clusters.as_ref(),
    );
    compare(
        &account("SourceBuild project", "SourceBuild projects"),
        &uses.build_projects,
        builds.as_ref(),
    );
    compare(&bucket_kind, &uses.buckets, buckets.as_ref());
    for (group, (name, listed)) in &target_groups {
        let kind = Kind {
            noun: "target group",
            plural: "target groups",
            parent: format!("Auto Scaling group `{group}` ({name})"),
        };
        compare(&kind, &uses.target_groups[group], Some(listed));
    }
    compare_children(
        &mut checked,
        &bucket_kind,
        &uses.objects,
        &objects,
        buckets.as_ref(),
        |bucket| Kind {
            noun: "object",
            plural: "objects",
            parent: format!("bucket `{bucket}`"),
        },
    );
    compare_children(
        &mut checked,
        &account("SourceCommit repository", "SourceCommit repositories"),
        &uses.branches,
        &branches,
        repositories.as_ref(),
        |repository| Kind {
            noun: "branch",
            plural: "branches",
            parent: format!("SourceCommit repository `{repository}`"),
        },
    );
    checked
}

/// The Auto Scaling groups, then the target groups of those the blue/green scenarios'
/// stages use (listed by group name), by group number with the group's name. A group that
/// does not exist is reported at the stage; its target groups are not looked up.
async fn groups_and_target_groups(
    client: &NcpClient,
    uses: &Uses<'_>,
) -> (Option<Listed>, BTreeMap<String, (String, Listed)>) {
    let needed = !uses.groups.is_empty() || !uses.target_groups.is_empty();
    let groups = when(needed, async {
        let list = client.list_autoscaling_groups().await?;
        Ok(list
            .iter()
            .map(|g| Entry::named(g.group_no, &g.name))
            .collect())
    })
    .await;
    let Some(Ok(entries)) = &groups else {
        return (groups, BTreeMap::new());
    };
    let wanted = entries
        .iter()
        .filter(|e| uses.target_groups.contains_key(&e.key))
        .filter_map(|e| Some((e.key.clone(), e.name.clone()?)));
    let listed = join_all(wanted.map(|(group, name)| async move {
        let listed = client.list_target_groups(&name).await;
        let entries = listed.map(|l| l.iter().map(|t| Entry::named(t.id, &t.name)).collect());
        (group, (name, entries))
    }))
    .await;
    (groups, listed.into_iter().collect())
}

async fn bucket_list(client: &NcpClient) -> Listed {
    let list = client.list_buckets().await?;
    Ok(list.iter().map(|b| Entry::key(&b.name)).collect())
}

/// Runs a lookup only when the manifest uses what it lists.
async fn when(needed: bool, lookup: impl Future<Output = Listed>) -> Option<Listed> {
    if needed { Some(lookup.await) } else { None }
}

fn is_missing(listed: &Listed) -> bool {
    matches!(listed, Err(e) if e.is_not_found())
}

/// What a lookup lists, for the messages.
struct Kind {
    noun: &'static str,
    plural: &'static str,
    /// Where the names live, e.g. "this account" or "bucket `shop-artifacts`".
    parent: String,
}

fn account(noun: &'static str, plural: &'static str) -> Kind {
    Kind {
        noun,
        plural,
        parent: "this account".into(),
    }
}

/// Objects of buckets, branches of repositories: checked against their parent's list; a
/// parent the list call says is missing is reported at the parent's value instead.
fn compare_children(
    checked: &mut Checked,
    parent_kind: &Kind,
    uses: &BTreeMap<String, (Vec<Use>, Vec<Use>)>,
    lists: &BTreeMap<String, Listed>,
    parents: Option<&Listed>,
    kind: impl Fn(&str) -> Kind,
) {
    for (parent, (parent_uses, child_uses)) in uses {
        let Some(listed) = lists.get(parent) else {
            continue;
        };
        if is_missing(listed) {
            match parents {
                Some(Ok(known)) if !known.iter().any(|e| e.key == *parent) => {
                    checked.compare(parent_kind, parent_uses, &Ok(known.clone()));
                    continue;
                }
                Some(Err(e)) => {
                    checked.warn(parent_kind, parent_uses, e);
                    continue;
                }
                _ => {}
            }
        }
        checked.compare(&kind(parent), child_uses, listed);
    }
}

impl Checked {
    /// Every use whose value is not among the listed keys is an error; a failed lookup is
    /// one warning for all its uses.
    fn compare(&mut self, kind: &Kind, uses: &[Use], listed: &Listed) {
        let entries = match listed {
            Ok(entries) => entries,
            Err(e) => return self.warn(kind, uses, e),
        };
        for used in uses {
            if !entries.iter().any(|e| e.key == used.value) {
                self.errors.push(unknown(kind, used, entries));
            }
        }
    }

    fn warn(&mut self, kind: &Kind, uses: &[Use], error: &NcpError) {
        let Some(first) = uses.first() else {
            return;
        };
        let others = match uses.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        self.warnings.push(format!(
            "could not check the {} named at `{}`{others}: {}. The plan goes on; apply fails there if a name is wrong.",
            kind.plural,
            first.resource.address,
            crate::redact::redact(&error.to_string())
        ));
    }
}

/// A located error for a value the account does not have, listing what it has.
fn unknown(kind: &Kind, used: &Use, entries: &[Entry]) -> ReferenceError {
    ReferenceError {
        kind: ReferenceKind::UnknownName,
        address: used.resource.address.clone(),
        attribute: used.attribute.clone(),
        message: format!("no {} `{}` in {}", kind.noun, used.value, kind.parent),
        label: format!("no such {}", kind.noun),
        help: Some(help(kind, &used.value, entries)),
    }
}

/// "did you mean …?" when a key is close (or the value is a name rather than the key the
/// API wants), then the first [`LISTED`] entries and how many more there are.
fn help(kind: &Kind, value: &str, entries: &[Entry]) -> String {
    let mut parts = Vec::new();
    if let Some(named) = entries.iter().find(|e| e.name.as_deref() == Some(value)) {
        parts.push(format!(
            "`{value}` is the name of {} `{}`: write `{}`.",
            kind.noun, named.key, named.key
        ));
    } else if let Some(close) = did_you_mean(value, entries.iter().map(|e| e.key.as_str())) {
        parts.push(close);
    }
    if entries.is_empty() {
        parts.push(format!("{} has no {}", kind.parent, kind.plural));
    } else {
        let shown: Vec<String> = entries.iter().take(LISTED).map(Entry::shown).collect();
        let more = match entries.len().saturating_sub(LISTED) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        parts.push(format!("available: {}{more}", shown.join(", ")));
    }
    parts.join(" ")
}

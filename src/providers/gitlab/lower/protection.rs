//! An environment's `protection:` → its `protection` resource: the deployers and the
//! approval rules as canonical entries in the order written (compared as sets), with every rule GitLab applies to them
//! checked here (one principal per entry, `inherited` on groups only, 1 to 5 required
//! approvals, a user approving once, each principal once).

use serde_json::{Map, Value, json};

use super::KIND_PROTECTION;
use super::names::{group_problem, user_problem};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::checks::{check_choice, repeated_members};
use crate::providers::common::lower::{Parent, child_spec};
use crate::providers::gitlab::manifest::{Approver, Deployer, Protection};

/// The roles an entry may name, with GitLab's access levels.
pub const ACCESS_LEVELS: &[(&str, u32)] = &[("developer", 30), ("maintainer", 40), ("admin", 60)];
/// Approvals one rule may require: GitLab's `ProtectedEnvironments::ApprovalRule` range.
pub const MAX_REQUIRED_APPROVALS: u32 = 5;

/// Who a deployer or an approval rule names, as GitLab identifies it: a role (its access
/// level), a user (username) or a group (full path, and whether subgroup members count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    AccessLevel(u32),
    User(String),
    Group { path: String, inherited: bool },
}

impl Principal {
    /// What makes two entries one principal: GitLab matches usernames and group paths
    /// ignoring case, and a group is one principal whatever its inheritance.
    fn identity(&self) -> (u8, String) {
        match self {
            Principal::AccessLevel(level) => (0, level.to_string()),
            Principal::User(name) => (1, name.to_lowercase()),
            Principal::Group { path, .. } => (2, path.to_lowercase()),
        }
    }
}

/// The word for an access level (`maintainer` for 40); a level GitLab added later is kept
/// as its number in text, so that it shows as a difference rather than disappearing.
pub fn access_level_name(level: u32) -> String {
    (ACCESS_LEVELS.iter())
        .find(|(_, l)| *l == level)
        .map_or_else(|| level.to_string(), |(name, _)| (*name).to_owned())
}

/// The access level of a role's word.
pub fn access_level_of(name: &str) -> Option<u32> {
    (ACCESS_LEVELS.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, level)| *level)
}

/// One entry as plan compares it, the same from the manifest and from GitLab's answer:
/// `{"access_level": "maintainer"}`, `{"user": "alice"}` or
/// `{"group": "acme/ops", "inherited": false}`, with `"required_approvals": n` for an
/// approval rule (`Some(n)`) and never for a deployer (`None`).
pub fn entry_json(principal: &Principal, required_approvals: Option<u32>) -> Value {
    let mut entry = Map::new();
    match principal {
        Principal::AccessLevel(level) => {
            entry.insert("access_level".into(), json!(access_level_name(*level)));
        }
        Principal::User(name) => {
            entry.insert("user".into(), json!(name));
        }
        Principal::Group { path, inherited } => {
            entry.insert("group".into(), json!(path));
            entry.insert("inherited".into(), json!(inherited));
        }
    }
    if let Some(required) = required_approvals {
        entry.insert("required_approvals".into(), json!(required));
    }
    Value::Object(entry)
}

/// The fields an entry of either list names its principal with.
struct Fields<'a> {
    access_level: Option<&'a str>,
    user: Option<&'a str>,
    group: Option<&'a str>,
    inherited: Option<bool>,
}

impl<'a> From<&'a Deployer> for Fields<'a> {
    fn from(d: &'a Deployer) -> Self {
        let (access_level, user, group) = (&d.access_level, &d.user, &d.group);
        Fields {
            access_level: access_level.as_deref(),
            user: user.as_deref(),
            group: group.as_deref(),
            inherited: d.inherited,
        }
    }
}

impl<'a> From<&'a Approver> for Fields<'a> {
    fn from(a: &'a Approver) -> Self {
        let (access_level, user, group) = (&a.access_level, &a.user, &a.group);
        Fields {
            access_level: access_level.as_deref(),
            user: user.as_deref(),
            group: group.as_deref(),
            inherited: a.inherited,
        }
    }
}

/// Lowers the protection of the environment `environment` into `out`; returns its
/// address.
pub fn lower(
    protection: &Protection,
    name: &str,
    environment: &Parent<'_>,
    protect: bool,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Resource>,
) -> Address {
    let pointer = join(environment.pointer, "protection");
    let deployers_at = join(&pointer, "deployers");
    if protection.deployers.is_empty() {
        let at = match ctx.located.value_at(&deployers_at).is_some() {
            true => deployers_at.clone(),
            false => pointer.clone(),
        };
        ctx.error(
            DiagnosticKind::MissingField,
            "a protected environment lists at least one deployer",
            &at,
            "no deployer",
        )
        .help = Some(
            "add e.g. `deployers: [{ access_level: maintainer }]`; or remove `protection:` to leave the environment unprotected".into(),
        );
    }
    let deployers: Vec<Option<Principal>> = (protection.deployers.iter().enumerate())
        .map(|(i, d)| {
            principal(
                Fields::from(d),
                &format!("{deployers_at}/{i}"),
                "deployer",
                ctx,
            )
        })
        .collect();
    let approvals_at = join(&pointer, "approvals");
    let approvals: Vec<Option<Principal>> = (protection.approvals.iter().enumerate())
        .map(|(i, a)| {
            let at = format!("{approvals_at}/{i}");
            let principal = principal(Fields::from(a), &at, "approval rule", ctx);
            check_required(a.required_approvals, principal.as_ref(), &at, ctx);
            principal
        })
        .collect();
    for (at, list, what) in [
        (&deployers_at, &deployers, "deployer"),
        (&approvals_at, &approvals, "approval rule"),
    ] {
        repeated_members(
            ctx,
            at,
            list.iter().map(|p| p.as_ref().map(Principal::identity)),
            |i| format!("the {what} {}", describe(list[i].as_ref())),
            "GitLab matches usernames and group paths ignoring case; list each principal once",
        );
    }
    // In the order written: the provider compares both lists as sets, and each entry keeps
    // its place in the manifest for messages about it.
    let deployer_entries: Vec<Value> = (deployers.iter().flatten())
        .map(|p| entry_json(p, None))
        .collect();
    let approval_entries: Vec<Value> = (protection.approvals.iter().zip(&approvals))
        .filter_map(|(a, p)| Some(entry_json(p.as_ref()?, Some(required(a)))))
        .collect();
    let attributes = json!({ "deployers": deployer_entries, "approvals": approval_entries });
    let spec = child_spec(environment, KIND_PROTECTION, name, &pointer, attributes);
    let address = spec.address.clone();
    let resource = ctx.resource(ResourceSpec { protect, ..spec });
    out.push(resource);
    address
}

/// The number of approvals a rule requires: 1 unless written.
fn required(approver: &Approver) -> u32 {
    approver.required_approvals.unwrap_or(1)
}

/// "`user: alice`" for a message.
fn describe(principal: Option<&Principal>) -> String {
    match principal {
        Some(Principal::AccessLevel(level)) => {
            format!("`access_level: {}`", access_level_name(*level))
        }
        Some(Principal::User(name)) => format!("`user: {name}`"),
        Some(Principal::Group { path, .. }) => format!("`group: {path}`"),
        None => "entry".into(),
    }
}

/// The one principal an entry at `at` names, every problem with it reported.
fn principal(fields: Fields<'_>, at: &str, what: &str, ctx: &mut Ctx<'_>) -> Option<Principal> {
    let named: Vec<&str> = [
        ("access_level", fields.access_level.is_some()),
        ("user", fields.user.is_some()),
        ("group", fields.group.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, set)| set.then_some(key))
    .collect();
    if fields.inherited.is_some() && fields.group.is_none() {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("`inherited` applies to a group, and this {what} names no group"),
            &join(at, "inherited"),
            "only with `group`",
        )
        .help =
            Some("remove `inherited`; it says whether members of a group's subgroups count".into());
    }
    match named.as_slice() {
        [] => {
            ctx.error(
                DiagnosticKind::MissingField,
                format!("this {what} names nobody"),
                at,
                "no principal",
            )
            .help = Some(
                "write one of `access_level: maintainer`, `user: alice` or `group: acme/release-managers`".into(),
            );
            return None;
        }
        [_] => {}
        many => {
            ctx.error(
                DiagnosticKind::Conflict,
                format!(
                    "this {what} names {} principals (`{}`); an entry names one",
                    many.len(),
                    many.join("` and `")
                ),
                at,
                "more than one principal",
            )
            .help = Some(format!(
                "GitLab takes exactly one of `access_level`, `user`, `group` per entry: split this one into {} entries",
                many.len()
            ));
            return None;
        }
    }
    if let Some(word) = fields.access_level {
        let names: Vec<&str> = ACCESS_LEVELS.iter().map(|(n, _)| *n).collect();
        let at = join(at, "access_level");
        return check_choice(ctx, word, &names, &at, "access level")
            .then(|| access_level_of(word).map(Principal::AccessLevel))
            .flatten();
    }
    if let Some(user) = fields.user {
        if let Some(hint) = user_problem(user) {
            ctx.error(
                DiagnosticKind::InvalidName,
                format!("invalid username `{user}`"),
                &join(at, "user"),
                "invalid username",
            )
            .help = Some(hint);
            return None;
        }
        return Some(Principal::User(user.to_owned()));
    }
    let path = fields.group?;
    if let Some(hint) = group_problem(path) {
        ctx.error(
            DiagnosticKind::InvalidName,
            format!("invalid group `{path}`"),
            &join(at, "group"),
            "invalid group path",
        )
        .help = Some(hint);
        return None;
    }
    Some(Principal::Group {
        path: path.to_owned(),
        inherited: fields.inherited.unwrap_or(false),
    })
}

/// `required_approvals`: 1 to 5, and 1 for a user (a user approves once).
fn check_required(
    written: Option<u32>,
    principal: Option<&Principal>,
    at: &str,
    ctx: &mut Ctx<'_>,
) {
    let Some(required) = written else { return };
    let at = join(at, "required_approvals");
    if !(1..=MAX_REQUIRED_APPROVALS).contains(&required) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!(
                "`required_approvals` is {required}; GitLab takes 1 to {MAX_REQUIRED_APPROVALS}"
            ),
            &at,
            "out of range",
        )
        .help = Some(format!(
            "1 to {MAX_REQUIRED_APPROVALS} approvals of this rule; leave it out for 1, or remove the rule to require none"
        ));
    } else if required > 1 && matches!(principal, Some(Principal::User(_))) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("a user approves once, so `required_approvals: {required}` cannot be met"),
            &at,
            "a single user",
        )
        .help = Some("leave `required_approvals` out for a user, or name a group or a role".into());
    }
}

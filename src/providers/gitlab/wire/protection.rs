//! Protected environments (Premium and Ultimate): who may deploy to an environment, and who
//! must approve. An entry names its principal by exactly one of `access_level`, `user_id`,
//! `group_id`; updates address entries by `id`.

use serde::{Deserialize, Serialize};

use crate::providers::lenient::null_as_default;

/// A protected environment (Premium and Ultimate).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProtectedEnvironment {
    pub name: String,
    /// Who may deploy.
    #[serde(default, deserialize_with = "null_as_default")]
    pub deploy_access_levels: Vec<AccessLevel>,
    /// Removed in GitLab 17.0; older instances still send it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub required_approval_count: u32,
    /// Who must approve.
    #[serde(default, deserialize_with = "null_as_default")]
    pub approval_rules: Vec<AccessLevel>,
}

/// One entry of `deploy_access_levels` or `approval_rules` as GitLab reports it: exactly
/// one of `access_level`, `user_id`, `group_id` names the principal.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccessLevel {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub access_level: Option<u32>,
    #[serde(default)]
    pub access_level_description: Option<String>,
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub group_id: Option<u64>,
    /// 0: direct members of the group only; 1: inherited members too.
    #[serde(default)]
    pub group_inheritance_type: Option<u8>,
    /// Approval rules only.
    #[serde(default)]
    pub required_approvals: Option<u32>,
}

/// One entry sent in `deploy_access_levels` or `approval_rules`: a new one (no `id`), a
/// change of an existing one (`id`), or the removal of one (`id` and `_destroy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_level: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_inheritance_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_approvals: Option<u32>,
    #[serde(rename = "_destroy", skip_serializing_if = "std::ops::Not::not")]
    pub destroy: bool,
}

impl AccessEntry {
    /// Everyone with at least this role (30 developer, 40 maintainer, 60 admin).
    pub fn role(access_level: u32) -> Self {
        AccessEntry {
            access_level: Some(access_level),
            ..AccessEntry::default()
        }
    }

    /// One user, by id.
    pub fn user(user_id: u64) -> Self {
        AccessEntry {
            user_id: Some(user_id),
            ..AccessEntry::default()
        }
    }

    /// The members of a group; with `inherited`, members of its parent groups too.
    pub fn group(group_id: u64, inherited: bool) -> Self {
        AccessEntry {
            group_id: Some(group_id),
            group_inheritance_type: Some(u8::from(inherited)),
            ..AccessEntry::default()
        }
    }

    /// The removal of the existing entry `id`.
    pub fn remove(id: u64) -> Self {
        AccessEntry {
            id: Some(id),
            destroy: true,
            ..AccessEntry::default()
        }
    }

    /// This entry as an approval rule needing `count` approvals.
    pub fn approvals(self, count: u32) -> Self {
        AccessEntry {
            required_approvals: Some(count),
            ..self
        }
    }

    /// Whether GitLab's entry `found` is this (new) entry: same principal, same settings.
    pub fn matches(&self, found: &AccessLevel) -> bool {
        self.access_level == found.access_level
            && self.user_id == found.user_id
            && self.group_id == found.group_id
            && (self.group_id.is_none()
                || self.group_inheritance_type.unwrap_or(0)
                    == found.group_inheritance_type.unwrap_or(0))
            && (self.required_approvals.is_none()
                || self.required_approvals == found.required_approvals)
    }
}

/// The body of `POST …/protected_environments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectBody {
    pub name: String,
    pub deploy_access_levels: Vec<AccessEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approval_rules: Vec<AccessEntry>,
}

/// The body of `PUT …/protected_environments/:name`: entries with an `id` change or remove
/// that entry, entries without one are added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProtectUpdate {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deploy_access_levels: Vec<AccessEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approval_rules: Vec<AccessEntry>,
}

//! Deployment records of any provider that records deployments made elsewhere: each
//! names an environment declared beside it, and each target (an
//! environment, or an environment and task) is recorded by one record only, since two
//! would each read the other's deployment as the current one and every plan would deploy
//! again.

use std::collections::HashMap;
use std::hash::Hash;

use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;

/// The kind every provider gives its deployment records.
pub const KIND_DEPLOYMENT: &str = "deployment";
/// The kind every provider gives the environments records name.
pub const KIND_ENVIRONMENT: &str = "environment";

/// The records of one parent by the target each claims.
pub struct Claims<'a, K> {
    /// JSON pointer of the parent's `deployments` map.
    deployments: String,
    by: HashMap<K, &'a str>,
}

impl<'a, K: Hash + Eq> Claims<'a, K> {
    /// No claim yet among the records of the parent at `parent_pointer`.
    pub fn new(parent_pointer: &str) -> Self {
        Claims {
            deployments: join(parent_pointer, "deployments"),
            by: HashMap::new(),
        }
    }

    /// Claims `target` for record `name`; when another record has it, reports the pair at
    /// their `environment` fields (`message` gets the first record's name), marks `name`
    /// left out and returns `false`.
    pub fn claim(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: K,
        name: &'a str,
        message: impl FnOnce(&str) -> String,
        help: &str,
    ) -> bool {
        let Some(first) = self.by.get(&target).copied() else {
            self.by.insert(target, name);
            return true;
        };
        let at = |record: &str| join(&join(&self.deployments, record), "environment");
        ctx.conflict(
            message(first),
            &at(name),
            format!("recorded by `{name}`"),
            &at(first),
            format!("recorded by `{first}`"),
        )
        .help = Some(help.to_owned());
        ctx.declared_invalid(KIND_DEPLOYMENT, name);
        false
    }
}

/// Reports the `environment` of the record at `record_pointer`, which names no
/// environment declared in its `parent` ("repository", "project"), unless that
/// environment was left out for its own error (then `help` is not even built).
pub fn undeclared_environment(
    ctx: &mut Ctx<'_>,
    wanted: &str,
    parent: &str,
    record_pointer: &str,
    help: impl FnOnce() -> String,
) {
    if ctx.is_invalid(KIND_ENVIRONMENT, wanted) {
        return;
    }
    ctx.error(
        DiagnosticKind::DanglingReference,
        format!("environment `{wanted}` is not declared in this {parent}"),
        &join(record_pointer, "environment"),
        "no such environment here",
    )
    .help = Some(help());
}

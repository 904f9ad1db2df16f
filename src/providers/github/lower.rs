//! `github:` section → resources. (Skeleton: the full lowering follows.)

use super::manifest::GithubSection;

pub const KIND_REPOSITORY: &str = "repository";
pub const KIND_ENVIRONMENT: &str = "environment";
pub const KIND_BRANCH_POLICY: &str = "branch_policy";
pub const KIND_TAG_POLICY: &str = "tag_policy";
pub const KIND_VARIABLE: &str = "variable";
pub const KIND_SECRET: &str = "secret";
pub const KIND_DEPLOYMENT: &str = "deployment";
use crate::manifest::validate::Ctx;
use crate::model::Resource;

pub fn lower(_section: &GithubSection, _ctx: &mut Ctx<'_>) -> Vec<Resource> {
    Vec::new()
}

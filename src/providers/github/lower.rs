//! `github:` section → resources. (Skeleton: the full lowering follows.)

use super::manifest::GithubSection;
use crate::manifest::validate::Ctx;
use crate::model::Resource;

pub fn lower(_section: &GithubSection, _ctx: &mut Ctx<'_>) -> Vec<Resource> {
    Vec::new()
}

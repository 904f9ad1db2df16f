//! `gitlab:` section → resources. (Skeleton: the full lowering follows.)

use super::manifest::GitlabSection;
use crate::manifest::validate::Ctx;
use crate::model::Resource;

pub fn lower(_section: &GitlabSection, _ctx: &mut Ctx<'_>) -> Vec<Resource> {
    Vec::new()
}

//! `axhub:` section → resources. (Skeleton: the full lowering follows.)

use super::manifest::AxhubSection;
use crate::manifest::validate::Ctx;
use crate::model::Resource;

pub fn lower(_section: &AxhubSection, _ctx: &mut Ctx<'_>) -> Vec<Resource> {
    Vec::new()
}

//! The engine: dependency graph, fetch, diff, plan and apply. It sees providers only
//! through the [`crate::providers::Provider`] trait.

pub mod apply;
pub mod diff;
pub mod fetch;
mod followed;
pub mod graph;
pub mod plan;
mod schedule;
pub mod scope;
pub mod stale;

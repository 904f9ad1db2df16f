//! Lookups over the state and who may do what: a user's access level in a group or a
//! project, following GitLab's rules (inherited group memberships, shared groups capped at
//! the share's level), and the clock-driven end of environment stops.

use super::state::{GlState, Group, Project, User};
use crate::sandbox::Tracked;

impl GlState {
    pub(super) fn next_id(counter: &mut i64) -> i64 {
        let id = *counter;
        *counter += 1;
        id
    }

    pub(super) fn user(&self, id: i64) -> Option<&User> {
        self.users
            .iter()
            .find(|user| user.id == id)
            .map(|user| &**user)
    }

    pub(super) fn group(&self, id: i64) -> Option<&Group> {
        self.groups
            .iter()
            .find(|group| group.id == id)
            .map(|group| &**group)
    }

    pub(super) fn group_by_path(&self, path: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|group| group.full_path.eq_ignore_ascii_case(path))
            .map(|group| &**group)
    }

    pub(super) fn project(&self, id: i64) -> Option<&Project> {
        self.projects
            .iter()
            .find(|project| project.id == id)
            .map(|project| &**project)
    }

    pub(super) fn project_mut(&mut self, id: i64) -> Option<&mut Tracked<Project>> {
        self.projects.iter_mut().find(|project| project.id == id)
    }

    /// `group` and its ancestors, nearest first.
    pub(super) fn ancestry(&self, group: i64) -> Vec<&Group> {
        let mut chain = Vec::new();
        let mut next = self.group(group);
        while let Some(found) = next {
            if chain.iter().any(|seen: &&Group| seen.id == found.id) {
                break;
            }
            chain.push(found);
            next = found.parent_id.and_then(|parent| self.group(parent));
        }
        chain
    }

    /// A user's access level in a group: its own membership or one inherited from an
    /// ancestor (`inherited`), whichever is highest; 0 for none.
    pub(super) fn group_access(&self, group: i64, user: i64, inherited: bool) -> u8 {
        let chain = self.ancestry(group);
        let groups = if inherited {
            &chain[..]
        } else {
            &chain[..chain.len().min(1)]
        };
        groups
            .iter()
            .flat_map(|group| group.members.iter())
            .filter(|member| member.user_id == user)
            .map(|member| member.access_level)
            .max()
            .unwrap_or(0)
    }

    /// A user's access level in a project (0 for none): direct membership, membership of
    /// the project's namespace or its ancestors, or of a group the project is shared with
    /// (capped at the share's level). The highest counts, as `members/all` reports it.
    pub(super) fn project_access(&self, project: &Project, user: i64) -> u8 {
        let direct = project
            .members
            .iter()
            .filter(|member| member.user_id == user)
            .map(|member| member.access_level)
            .max()
            .unwrap_or(0);
        let namespace = self.group_access(project.namespace_id, user, true);
        let shared = project
            .shares
            .iter()
            .map(|share| {
                self.group_access(share.group_id, user, true)
                    .min(share.group_access_level)
            })
            .max()
            .unwrap_or(0);
        direct.max(namespace).max(shared)
    }

    /// Finishes stops that are due, on the clock.
    pub(super) fn settle(&mut self, now: i64) {
        for env in &mut self.environments {
            if env.state == "stopping" && env.stop_due.is_some_and(|due| due <= now) {
                env.state = "stopped".to_owned();
                env.stop_due = None;
                env.updated_at = now;
            }
        }
    }
}

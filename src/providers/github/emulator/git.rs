//! A repository's git data as the API sees it: resolving a ref (branch, tag, full or short
//! SHA) to a commit, ancestry for auto-merge, and the commits the admin API pushes.

use super::seed;
use super::state::{Commit, Context, Repo};

/// What a ref named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RefKind {
    Branch(String),
    Tag(String),
    Sha,
}

/// The shortest SHA prefix accepted (git's own minimum).
const MIN_PREFIX: usize = 4;

impl Repo {
    pub(super) fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub(super) fn commit(&self, sha: &str) -> Option<&Commit> {
        self.commits.iter().find(|commit| commit.sha == sha)
    }

    pub(super) fn branch(&self, name: &str) -> Option<&str> {
        self.branches
            .iter()
            .find(|(branch, _)| branch == name)
            .map(|(_, sha)| sha.as_str())
    }

    fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(tag, _)| tag == name)
            .map(|(_, sha)| sha.as_str())
    }

    /// The commit `text` names and what kind of ref it is: a branch or tag (also written
    /// `heads/…`, `refs/heads/…`, `tags/…`, `refs/tags/…`; names are case-sensitive, as in
    /// git), a full SHA, or a unique SHA prefix of at least four characters.
    pub(super) fn resolve(&self, text: &str) -> Option<(&Commit, RefKind)> {
        let bare = text.strip_prefix("refs/").unwrap_or(text);
        let as_branch = bare.strip_prefix("heads/").unwrap_or(bare);
        if let Some(sha) = self.branch(as_branch) {
            return Some((self.commit(sha)?, RefKind::Branch(as_branch.to_owned())));
        }
        let as_tag = bare.strip_prefix("tags/").unwrap_or(bare);
        if let Some(sha) = self.tag(as_tag) {
            return Some((self.commit(sha)?, RefKind::Tag(as_tag.to_owned())));
        }
        let lower = text.to_ascii_lowercase();
        if lower.len() < MIN_PREFIX
            || lower.len() > 40
            || !lower.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let mut found = self
            .commits
            .iter()
            .filter(|commit| commit.sha.starts_with(&lower));
        match (found.next(), found.next()) {
            (Some(commit), None) => Some((commit, RefKind::Sha)),
            _ => None,
        }
    }

    /// Whether `ancestor` is `sha` or reachable from it through parents.
    pub(super) fn is_ancestor(&self, ancestor: &str, sha: &str) -> bool {
        let mut pending = vec![sha.to_owned()];
        let mut seen = std::collections::HashSet::new();
        while let Some(next) = pending.pop() {
            if next == ancestor {
                return true;
            }
            if seen.insert(next.clone())
                && let Some(commit) = self.commit(&next)
            {
                pending.extend(commit.parents.iter().cloned());
            }
        }
        false
    }

    /// A new commit with `parents`, its SHA derived from the repository and its position.
    fn add_commit(
        &mut self,
        parents: Vec<String>,
        message: String,
        contexts: Vec<Context>,
        at: i64,
    ) -> String {
        let sha = seed::sha(
            &self.full_name(),
            &format!("commit-{}", self.commits.len() + 1),
        );
        self.commits.push(Commit {
            sha: sha.clone(),
            parents,
            message,
            author: seed::DEMO_USER.to_owned(),
            at,
            contexts,
            conflicts: false,
        });
        sha
    }

    /// Points `branch` at `sha`, creating the branch when new.
    pub(super) fn set_branch(&mut self, branch: &str, sha: String) {
        match self.branches.iter_mut().find(|(name, _)| name == branch) {
            Some(entry) => entry.1 = sha,
            None => self.branches.push((branch.to_owned(), sha)),
        }
    }

    pub(super) fn set_tag(&mut self, tag: &str, sha: String) {
        match self.tags.iter_mut().find(|(name, _)| name == tag) {
            Some(entry) => entry.1 = sha,
            None => self.tags.push((tag.to_owned(), sha)),
        }
    }

    /// Pushes one commit on top of `branch` (on top of `from`, or the default branch, when
    /// the branch is new); its SHA.
    pub(super) fn push(
        &mut self,
        branch: &str,
        from: Option<&str>,
        message: Option<String>,
        contexts: Vec<Context>,
        at: i64,
    ) -> Result<String, String> {
        let parent = match self.branch(branch) {
            Some(head) => head.to_owned(),
            None => {
                let base = from.unwrap_or(&self.default_branch).to_owned();
                self.resolve(&base)
                    .map(|(commit, _)| commit.sha.clone())
                    .ok_or_else(|| format!("no ref {base:?} in {}", self.full_name()))?
            }
        };
        let message = message.unwrap_or_else(|| format!("Update {branch}"));
        let sha = self.add_commit(vec![parent], message, contexts, at);
        self.set_branch(branch, sha.clone());
        Ok(sha)
    }

    /// Merges the default branch into `branch` (auto-merge): a merge commit on `branch`.
    pub(super) fn merge_default_into(&mut self, branch: &str, at: i64) -> Option<String> {
        let head = self.branch(branch)?.to_owned();
        let base = self.branch(&self.default_branch.clone())?.to_owned();
        let message = format!("Merge {} into {branch}", self.default_branch);
        let sha = self.add_commit(vec![head, base], message, Vec::new(), at);
        self.set_branch(branch, sha.clone());
        Some(sha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_resolve_in_every_spelling() {
        let repo = seed::repo(1, "o", "r");
        let main = repo.branch("main").unwrap().to_owned();
        for text in [
            "main",
            "heads/main",
            "refs/heads/main",
            &main,
            &main[..7],
            &main[..4],
        ] {
            assert_eq!(repo.resolve(text).unwrap().0.sha, main, "{text}");
        }
        assert_eq!(repo.resolve(&main.to_uppercase()).unwrap().0.sha, main);
        let (tag, kind) = repo.resolve("refs/tags/v1.0.0").unwrap();
        assert_eq!(kind, RefKind::Tag("v1.0.0".into()));
        assert_eq!(tag.sha, repo.branch("release/1.0").unwrap());
        for missing in ["Main", "nope", "abc", &main[..3], "zzzzzzz"] {
            assert!(repo.resolve(missing).is_none(), "{missing}");
        }
    }

    proptest::proptest! {
        /// Any prefix of four or more characters (in either case) names its commit, unless
        /// another commit shares it.
        #[test]
        fn sha_prefixes_name_their_commit_or_nothing(index in 0usize..8, len in 4usize..=40, upper: bool) {
            let repo = seed::repo(7, "o", "r");
            let sha = repo.commits[index].sha.clone();
            let prefix = if upper { sha[..len].to_uppercase() } else { sha[..len].to_owned() };
            let shared = repo.commits.iter().filter(|c| c.sha.starts_with(&sha[..len])).count();
            let found = repo.resolve(&prefix).map(|(commit, _)| commit.sha.clone());
            proptest::prop_assert_eq!(found, (shared == 1).then_some(sha));
        }
    }

    #[test]
    fn pushes_and_merges_move_branches() {
        let mut repo = seed::repo(1, "o", "r");
        let main = repo.branch("main").unwrap().to_owned();
        let topic = repo.branch("topic-branch").unwrap().to_owned();
        assert!(!repo.is_ancestor(&main, &topic));
        let merged = repo.merge_default_into("topic-branch", 0).unwrap();
        assert!(repo.is_ancestor(&main, &merged) && repo.is_ancestor(&topic, &merged));
        let pushed = repo.push("main", None, None, Vec::new(), 0).unwrap();
        assert_eq!(repo.branch("main"), Some(pushed.as_str()));
        assert!(!repo.is_ancestor(&pushed, &merged));
        let fresh = repo
            .push("feature/x", Some("v1.0.0"), None, Vec::new(), 0)
            .unwrap();
        assert_eq!(
            repo.commit(&fresh).unwrap().parents,
            vec![repo.resolve("v1.0.0").unwrap().0.sha.clone()]
        );
    }
}

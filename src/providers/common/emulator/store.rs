//! An emulator's state document behind one lock, and how the sandbox saves, loads and logs
//! it. Every emulator keeps its whole state as one serde document under one mutex, takes a
//! poisoned lock over, mends a loaded document before serving from it, and reports what
//! changed since the state log last recorded it; this is that logic once.

use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::sandbox::{ChangeTracker, EmulatorState, StateChange};

/// An emulator's state as the sandbox state file holds it.
pub trait Document: Serialize + DeserializeOwned + Send + 'static {
    /// Makes a loaded document safe to continue from, e.g. id counters past every id it
    /// already holds (an older or hand-edited file may lag behind).
    fn repair(&mut self);

    /// Records in `changes` what differs from what `logged` last recorded: the top-level
    /// fields ([`ChangeTracker::fields`]) and each entity collection
    /// ([`ChangeTracker::collection`]); only the document knows which fields are
    /// collections. `None` when the fields cannot be serialized.
    fn track(&mut self, logged: &mut ChangeTracker, changes: &mut Vec<StateChange>) -> Option<()>;
}

/// Takes `mutex`, taking a poisoned one over: nothing awaits while an emulator's lock is
/// held and every mutation leaves the state consistent before it could panic, so a panic
/// in one handler must not stop every later request.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The state of one emulator, named for its log messages, and
/// what the state log last recorded of it.
pub struct StateCell<S> {
    state: Mutex<S>,
    name: &'static str,
    logged: Mutex<ChangeTracker>,
}

impl<S: Document> StateCell<S> {
    /// Holds `state` for the emulator called `name`.
    pub fn new(name: &'static str, state: S) -> Self {
        StateCell {
            state: Mutex::new(state),
            name,
            logged: Mutex::new(ChangeTracker::default()),
        }
    }

    /// Runs `f` on the state under the lock.
    pub fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        f(&mut lock(&self.state))
    }
}

impl<S: Document> EmulatorState for StateCell<S> {
    /// The document to save; `null` (logged) if it cannot be serialized, which leaves the
    /// state file as it was rather than stopping the sandbox.
    fn save(&self) -> Value {
        self.with(|state| {
            serde_json::to_value(&*state).unwrap_or_else(|err| {
                tracing::error!(%err, "could not serialize the {} emulator state", self.name);
                Value::Null
            })
        })
    }

    /// Replaces the state with a saved document, repaired; a document that does not parse
    /// leaves the state as it was and says why.
    fn load(&self, document: Value) -> Result<(), String> {
        let mut loaded: S = serde_json::from_value(document).map_err(|err| err.to_string())?;
        loaded.repair();
        self.with(|current| *current = loaded);
        Ok(())
    }

    fn take_changes(&self) -> Option<Vec<StateChange>> {
        let mut logged = lock(&self.logged);
        self.with(|state| {
            let mut changes = Vec::new();
            state.track(&mut logged, &mut changes)?;
            Some(changes)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Counter {
        next: i64,
        ids: Vec<i64>,
    }

    impl Document for Counter {
        fn repair(&mut self) {
            let highest = self.ids.iter().copied().max().unwrap_or(0);
            self.next = self.next.max(highest + 1);
        }

        fn track(
            &mut self,
            logged: &mut ChangeTracker,
            changes: &mut Vec<StateChange>,
        ) -> Option<()> {
            logged.fields(serde_json::to_value(&*self), &[], changes)
        }
    }

    #[test]
    fn a_loaded_document_is_repaired_and_a_bad_one_changes_nothing() {
        let cell = StateCell::new("test", Counter::default());
        cell.load(json!({ "next": 1, "ids": [4, 9] })).unwrap();
        assert_eq!(cell.save(), json!({ "next": 10, "ids": [4, 9] }));
        assert!(cell.load(json!({ "next": "x" })).is_err());
        assert_eq!(cell.with(|state| state.next), 10);
    }

    #[test]
    fn a_poisoned_lock_is_taken_over() {
        let cell = StateCell::new("test", Counter::default());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cell.with(|state| {
                state.next = 3;
                panic!("handler failed");
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(cell.with(|state| state.next), 3);
    }
}

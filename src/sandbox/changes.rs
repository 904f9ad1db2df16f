//! What a request changed in an emulator's state, so the state file can grow by a log line
//! instead of being rewritten whole after every write.
//!
//! Design note. An emulator's state is a few small top-level fields (counters, settings) and
//! a few collections of entities (projects, binaries, deployments). Each entity sits behind
//! a [`Tracked`] pointer: shared, and copied on its first write after it was logged
//! (`Arc::make_mut`), so an entity that changed no longer shares its pointer with the
//! version the [`ChangeTracker`] remembers. Finding what changed is then a pointer
//! comparison per entity, and only changed entities are serialized. Handlers need no
//! bookkeeping: a mutable borrow of an entity *is* the change mark, so no write can be
//! missed. The price is one copy of an entity per logged change to it.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An entity of an emulator's state whose changes the state log can see.
#[derive(Clone, Default, PartialEq)]
pub struct Tracked<T>(Arc<T>);

impl<T> Tracked<T> {
    pub fn new(value: T) -> Self {
        Tracked(Arc::new(value))
    }
}

impl<T> From<T> for Tracked<T> {
    fn from(value: T) -> Self {
        Tracked::new(value)
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Tracked<T> {
    /// Copies the entity if the tracker still holds the logged version: the new pointer is
    /// what marks it as changed.
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for Tracked<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tracked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Tracked::new)
    }
}

/// One change to an emulator's state document, as a line of the state log holds it.
/// Applying a change twice is the same as applying it once, so a log that repeats a change
/// (a snapshot taken while a request ran) is still right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StateChange {
    /// A top-level field of the document takes `value`.
    Field { field: String, value: Value },
    /// The entity of `collection` whose `key` field equals `id` becomes `value` (appended
    /// when new), or is removed when `value` is `None`.
    Entity {
        collection: String,
        key: String,
        id: Value,
        value: Option<Value>,
    },
}

impl StateChange {
    /// Applies the change to a state document (an emulator's key of the state file).
    pub fn apply(&self, document: &mut Value) {
        if !document.is_object() {
            *document = Value::Object(Map::new());
        }
        let Some(fields) = document.as_object_mut() else {
            return;
        };
        match self {
            StateChange::Field { field, value } => {
                fields.insert(field.clone(), value.clone());
            }
            StateChange::Entity {
                collection,
                key,
                id,
                value,
            } => {
                let items = fields
                    .entry(collection.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !items.is_array() {
                    *items = Value::Array(Vec::new());
                }
                let Some(items) = items.as_array_mut() else {
                    return;
                };
                let position = items.iter().position(|item| item.get(key) == Some(id));
                match (position, value) {
                    (Some(at), Some(value)) => items[at] = value.clone(),
                    (Some(at), None) => {
                        items.remove(at);
                    }
                    (None, Some(value)) => items.push(value.clone()),
                    (None, None) => {}
                }
            }
        }
    }
}

/// The versions of an emulator's fields and entities that were last logged.
#[derive(Default)]
pub struct ChangeTracker {
    fields: Map<String, Value>,
    entities: HashMap<&'static str, HashMap<String, Arc<dyn Any + Send + Sync>>>,
}

impl ChangeTracker {
    /// Records the top-level fields of a serialized state `document` that differ from their
    /// logged values, leaving out its entity `collections` (logged by [`Self::collection`]).
    /// Fields are small (counters, settings, short rule lists); they are compared by value.
    /// `None` when the document is not an object.
    pub fn fields(
        &mut self,
        document: serde_json::Result<Value>,
        collections: &[&str],
        changes: &mut Vec<StateChange>,
    ) -> Option<()> {
        let Ok(Value::Object(mut current)) = document else {
            return None;
        };
        for collection in collections {
            current.remove(*collection);
        }
        for (field, value) in current {
            if self.fields.get(&field) != Some(&value) {
                changes.push(StateChange::Field {
                    field: field.clone(),
                    value: value.clone(),
                });
                self.fields.insert(field, value);
            }
        }
        Some(())
    }

    /// Records the entities of `collection` that are new or changed since they were last
    /// logged (a different pointer), and those that are gone. `key` is the entity's id field
    /// in the document and `id` reads it.
    pub fn collection<T: Serialize + Send + Sync + 'static>(
        &mut self,
        collection: &'static str,
        key: &'static str,
        items: &[Tracked<T>],
        id: impl Fn(&T) -> Value,
        changes: &mut Vec<StateChange>,
    ) {
        let logged = self.entities.entry(collection).or_default();
        let mut present = HashSet::with_capacity(items.len());
        for item in items {
            let item_id = id(&item.0);
            let name = item_id.to_string();
            let unchanged = logged
                .get(&name)
                .is_some_and(|seen| std::ptr::addr_eq(Arc::as_ptr(seen), Arc::as_ptr(&item.0)));
            if !unchanged {
                match serde_json::to_value(&*item.0) {
                    Ok(value) => {
                        changes.push(StateChange::Entity {
                            collection: collection.to_owned(),
                            key: key.to_owned(),
                            id: item_id,
                            value: Some(value),
                        });
                        logged.insert(name.clone(), item.0.clone() as Arc<dyn Any + Send + Sync>);
                    }
                    Err(err) => {
                        tracing::error!(%err, collection, "could not serialize a state entity")
                    }
                }
            }
            present.insert(name);
        }
        let gone: Vec<String> = logged
            .keys()
            .filter(|name| !present.contains(*name))
            .cloned()
            .collect();
        for name in gone {
            logged.remove(&name);
            let id = serde_json::from_str(&name).unwrap_or(Value::String(name));
            changes.push(StateChange::Entity {
                collection: collection.to_owned(),
                key: key.to_owned(),
                id,
                value: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Thing {
        id: i64,
        name: String,
    }

    fn changes(tracker: &mut ChangeTracker, things: &[Tracked<Thing>]) -> Vec<StateChange> {
        let mut changes = Vec::new();
        tracker.collection("things", "id", things, |t| json!(t.id), &mut changes);
        changes
    }

    #[test]
    fn only_written_entities_are_logged() {
        let mut tracker = ChangeTracker::default();
        let mut things: Vec<Tracked<Thing>> = (1..=3)
            .map(|id| Thing {
                id,
                name: format!("t{id}"),
            })
            .map(Tracked::new)
            .collect();
        assert_eq!(changes(&mut tracker, &things).len(), 3, "all new");
        assert!(changes(&mut tracker, &things).is_empty(), "nothing changed");
        // A read through a mutable borrow does not count; a write does.
        let _ = things.iter_mut().find(|t| t.id == 2).map(|t| t.id);
        assert!(changes(&mut tracker, &things).is_empty());
        things[1].name = "renamed".into();
        let logged = changes(&mut tracker, &things);
        assert_eq!(
            logged,
            vec![StateChange::Entity {
                collection: "things".into(),
                key: "id".into(),
                id: json!(2),
                value: Some(json!({"id": 2, "name": "renamed"})),
            }]
        );
        things.retain(|t| t.id != 1);
        let logged = changes(&mut tracker, &things);
        assert!(
            matches!(&logged[..], [StateChange::Entity { id, value: None, .. }] if *id == json!(1))
        );
    }

    #[test]
    fn applying_the_log_rebuilds_the_document() {
        let mut document = json!({"next": 1, "things": [{"id": 1, "name": "a"}]});
        let log = [
            StateChange::Field {
                field: "next".into(),
                value: json!(3),
            },
            StateChange::Entity {
                collection: "things".into(),
                key: "id".into(),
                id: json!(2),
                value: Some(json!({"id": 2, "name": "b"})),
            },
            StateChange::Entity {
                collection: "things".into(),
                key: "id".into(),
                id: json!(1),
                value: None,
            },
        ];
        for change in log.iter().chain(log.iter()) {
            change.apply(&mut document);
        }
        assert_eq!(
            document,
            json!({"next": 3, "things": [{"id": 2, "name": "b"}]}),
            "idempotent"
        );
        let line = serde_json::to_string(&log).unwrap();
        let back: Vec<StateChange> = serde_json::from_str(&line).unwrap();
        assert_eq!(back, log);
    }

    #[test]
    fn fields_are_logged_when_their_value_changes() {
        let mut tracker = ChangeTracker::default();
        let mut logged = Vec::new();
        let fields = |n: i64| Ok(json!({"next": n, "rules": [], "things": [{"id": 1}]}));
        tracker.fields(fields(1), &["things"], &mut logged);
        assert_eq!(logged.len(), 2);
        logged.clear();
        tracker.fields(fields(1), &["things"], &mut logged);
        assert!(logged.is_empty());
        tracker.fields(fields(2), &["things"], &mut logged);
        assert_eq!(logged.len(), 1);
    }
}

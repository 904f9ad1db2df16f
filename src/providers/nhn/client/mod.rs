//! Typed NHN Cloud Deploy client.

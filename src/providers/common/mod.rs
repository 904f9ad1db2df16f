//! Glue every provider folder would otherwise copy: resolving an instance's endpoint and
//! credentials, and the errors that go with them.

pub mod instance;

//! The AxHub emulator over real HTTP on loopback, one file per area.

mod apps;
mod axhub_sdk;
mod deployments;
mod persistence;
mod rollback;

//! Emulator tests over real HTTP: a sandbox on a free port, a token from its token endpoint.

mod auth;
mod binaries;
mod deploy;
mod large;
mod lookups;
mod persistence;

//! Emulator tests over real HTTP: a sandbox on a free port, requests signed like a client's.

mod auth;
mod crud;
mod deploy;
mod lookups;
mod validation;

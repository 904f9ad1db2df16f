//! Glue every provider folder needs and none owns: the same logic written once, so that each provider
//! folder holds only what is specific to its API. Wire formats and the names of endpoints and credentials stay in each
//! provider's folder; what is here knows no provider's URLs or JSON.
//!
//! - [`instance`]: the shared meaning of `endpoint:` and of credentials (written, else
//!   from the environment, else the emulator's demo value), with the same errors for all.
//! - [`checks`]: plan-time checks lowering shares (keys read as booleans, repeats, tokens,
//!   URLs, closed sets with "did you mean").
//! - [`git`]: Git's rules for branch names and commit SHAs, and `owner/name` repositories.
//! - [`attributes`]: a resource's attributes read as text, optional text or a flag.
//! - [`percent`], [`snippet`]: what a client writes into a URL and quotes from a bad answer.
//! - [`failure`]: a client's failed call as the engine's [`ProviderError`](super::ProviderError).
//! - [`lower`]: releases and other top-level manifest entries, and children of a declared
//!   parent, as resource specs.
//! - [`records`]: deployment records: one per target, naming a declared environment.
//! - [`emulator`]: an emulator's clock, its state behind a lock (saved, loaded and logged
//!   for the sandbox), and the outcome controls every emulator's admin routes offer.
//! - `openapi` (tests only): a provider's published OpenAPI description as a test oracle.
//! - `testkit`, `fake` (tests only): a sandbox on a free port, and the pieces of a scripted
//!   fake API that a client's tests run against.
//! - `python` (tests only): a provider's own Python client driving its emulator.

pub mod attributes;
pub mod checks;
pub mod emulator;
pub mod failure;
pub mod git;
pub mod instance;
pub mod lower;
pub mod percent;
pub mod records;
pub mod snippet;

#[cfg(test)]
pub(crate) mod openapi;

#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
pub(crate) mod python;
#[cfg(test)]
pub(crate) mod testkit;

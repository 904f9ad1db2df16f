//! Glue every provider folder needs and none owns: the same logic written once, so that the
//! SourceDeploy and Deploy folders (and any provider added beside them) hold only what is
//! specific to their API. Wire formats, credentials and endpoints stay in each provider's
//! folder; what is here knows no provider's URLs or JSON.
//!
//! - [`percent`], [`snippet`]: what a client writes into a URL and quotes from a bad answer.
//! - [`emulator`]: an emulator's clock, its state behind a lock (saved, loaded and logged
//!   for the sandbox), and the outcome controls every emulator's admin routes offer.

pub mod emulator;
pub mod percent;
pub mod snippet;

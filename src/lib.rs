//! deployplan: declarative deployment-as-code.
//!
//! The pipeline flows one way: `manifest` (load → resolve → validate) → `engine` (graph →
//! fetch → diff → plan → apply) → `render`. Providers plug into the engine through one
//! trait in [`providers`]; the [`sandbox`] serves every provider's emulated API so that the
//! real clients can run over real HTTP without a cloud account.

pub mod app;
pub mod cli;
pub mod digest;
pub mod engine;
pub mod journal;
pub mod lock;
pub mod manifest;
pub mod model;
pub mod providers;
pub mod redact;
pub mod render;
pub mod sandbox;
pub mod suggest;

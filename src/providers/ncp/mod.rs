//! NAVER Cloud Platform SourceDeploy: projects → stages → scenarios, and releases.
//!
//! One folder holds everything about this provider: the manifest section ([`manifest`],
//! [`lower`]), the wire types and client ([`wire`], [`client`], [`signature`]), the mapping
//! between them ([`convert`]), the provider ([`provider`], [`fetch`], [`execute`],
//! [`deploy`], [`export`]) and the sandbox emulator ([`emulator`]).

pub mod client;
pub mod config;
pub mod convert;
pub mod deploy;
pub mod emulator;
mod errors;
pub mod execute;
pub mod export;
pub mod fetch;
pub mod lookups;
pub mod lower;
pub mod manifest;
mod object;
pub mod provider;
pub mod releases;
pub mod rules;
pub mod signature;
mod wait;
pub mod wire;

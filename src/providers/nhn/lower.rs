//! `nhn-deploy:` section → resources. Local files are checked here, before any API call:
//! a missing or unreadable file is a located diagnostic, and the plan shows the size and
//! SHA-256 of what would be uploaded (hashed in streaming, so size does not matter).

use std::io::Read;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::manifest::{ApplicationType, Binary, NhnSection, OsType, Release};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::model::{Address, Resource};
use crate::providers::common::lower::{check_timeout, insert_set, release_spec, top_level};
use crate::suggest::did_you_mean;

pub const KIND_BINARY: &str = "binary";
pub use crate::providers::common::lower::KIND_RELEASE;

const BASE: &str = "/nhn-deploy";

pub fn lower(section: &NhnSection, ctx: &mut Ctx<'_>) -> Vec<Resource> {
    let mut resources = Vec::new();
    let mut binary_addresses = std::collections::HashMap::new();
    for (name, binary) in &section.binaries {
        let pointer = join(&join(BASE, "binaries"), name);
        match lower_binary(name, binary, &pointer, ctx) {
            Some(resource) => {
                binary_addresses.insert(name.clone(), resource.address.clone());
                resources.push(resource);
            }
            None => ctx.declared_invalid(KIND_BINARY, name),
        }
    }
    // One release per server group: two would deploy to the same hosts at once.
    let mut deployed_by: std::collections::HashMap<(String, String, String), &str> =
        std::collections::HashMap::new();
    for (name, release) in &section.releases {
        let pointer = join(&join(BASE, "releases"), name);
        let Some(resource) =
            lower_release(section, &binary_addresses, name, release, &pointer, ctx)
        else {
            ctx.declared_invalid(KIND_RELEASE, name);
            continue;
        };
        let target = (
            resource.provider.clone(),
            release.artifact.clone(),
            release.server_group.clone(),
        );
        if let Some(first) = deployed_by.get(&target) {
            let first_pointer = join(&join(&join(BASE, "releases"), first), "server_group");
            ctx.conflict(
                format!(
                    "releases `{first}` and `{name}` both deploy server group `{}` of artifact `{}`",
                    release.server_group, release.artifact
                ),
                &join(&pointer, "server_group"),
                format!("deployed by `{name}`"),
                &first_pointer,
                format!("deployed by `{first}`"),
            )
            .help = Some("keep one release per server group; to deploy after another target, use `depends_on:`".into());
            ctx.declared_invalid(KIND_RELEASE, name);
            continue;
        }
        deployed_by.insert(target, name);
        resources.push(resource);
    }
    resources
}

/// Size and SHA-256 of a file, read in 1 MiB chunks.
pub fn digest(path: &std::path::Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((size, crate::digest::hex(&hasher.finalize())))
}

fn lower_binary(name: &str, binary: &Binary, pointer: &str, ctx: &mut Ctx<'_>) -> Option<Resource> {
    let provider = ctx.provider_for(binary.provider.as_deref(), super::TYPE, pointer)?;
    let version_at = join(pointer, "version");
    if binary.version.trim().is_empty() || binary.version.chars().count() > 100 {
        ctx.error(
            DiagnosticKind::InvalidValue,
            "a binary version is 1–100 characters",
            &version_at,
            "invalid version",
        );
    }
    let client = binary.application_type == ApplicationType::Client;
    if client && binary.os_type.is_none() {
        ctx.error_at_key(
            DiagnosticKind::MissingField,
            "a client binary needs `os_type`",
            pointer,
            "`os_type` is required here",
        )
        .help = Some("one of: iOS, Android, etc".into());
    }
    for (field, present) in [
        ("os_type", binary.os_type.is_some()),
        ("fix", binary.fix.is_some()),
    ] {
        if !client && present {
            ctx.error_at_key(
                DiagnosticKind::TargetRule,
                format!("`{field}` applies to client binaries only"),
                &join(pointer, field),
                "not for a server binary",
            );
        }
    }
    if binary.meta_file.is_some() && binary.os_type != Some(OsType::Ios) {
        ctx.error_at_key(
            DiagnosticKind::TargetRule,
            "`meta_file` (a plist) applies to iOS binaries only",
            &join(pointer, "meta_file"),
            "not for this binary",
        );
    }
    let file_at = join(pointer, "file");
    let path = ctx.local_path(&file_at, &binary.file);
    let (size, sha256) = match digest(&path) {
        Ok(found) => found,
        Err(err) => {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!("cannot read `{}`: {err}", path.display()),
                &file_at,
                "the file to upload",
            )
            .help = Some("paths are relative to the manifest file that names them".into());
            (0, String::new())
        }
    };
    let mut meta = None;
    if let Some(meta_file) = &binary.meta_file {
        let at = join(pointer, "meta_file");
        let meta_path = ctx.local_path(&at, meta_file);
        if let Err(err) = std::fs::File::open(&meta_path) {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!("cannot read `{}`: {err}", meta_path.display()),
                &at,
                "the plist to upload",
            );
        }
        meta = Some(meta_path.display().to_string());
    }
    let mut attributes = json!({
        "artifact": binary.artifact,
        "binary_group": binary.binary_group,
        "version": binary.version,
        "file": path.display().to_string(),
        "size": size,
        "sha256": sha256,
        "application_type": binary.application_type,
    });
    insert_set(
        &mut attributes,
        "description",
        binary.description.as_ref().map(|d| json!(d)),
    );
    insert_set(
        &mut attributes,
        "os_type",
        binary.os_type.map(|o| json!(o.as_str())),
    );
    insert_set(&mut attributes, "fix", binary.fix.map(|f| json!(f)));
    insert_set(&mut attributes, "meta_file", meta.map(|m| json!(m)));
    Some(ctx.resource(top_level(
        provider,
        KIND_BINARY,
        name,
        pointer,
        attributes,
        Vec::new(),
        &binary.depends_on,
    )))
}

fn lower_release(
    section: &NhnSection,
    binaries: &std::collections::HashMap<String, Address>,
    name: &str,
    release: &Release,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Resource> {
    let provider = ctx.provider_for(release.provider.as_deref(), super::TYPE, pointer)?;
    let mut depends_on = Vec::new();
    let (version, binary_group) = match (&release.binary, &release.version) {
        (Some(binary_name), None) => {
            let at = join(pointer, "binary");
            let Some(binary) = section.binaries.get(binary_name) else {
                let help = did_you_mean(binary_name, section.binaries.keys().map(String::as_str))
                    .unwrap_or_else(|| {
                        "name an entry under `binaries:`, or give `version:` instead".into()
                    });
                ctx.error(
                    DiagnosticKind::DanglingReference,
                    format!("release `{name}` refers to unknown binary `{binary_name}`"),
                    &at,
                    "no such binary",
                )
                .help = Some(help);
                return None;
            };
            if binary.artifact != release.artifact {
                ctx.error(
                    DiagnosticKind::DanglingReference,
                    format!(
                        "binary `{binary_name}` belongs to artifact `{}`, not `{}`",
                        binary.artifact, release.artifact
                    ),
                    &at,
                    "binary of another artifact",
                );
            }
            depends_on.extend(binaries.get(binary_name).cloned());
            (binary.version.clone(), Some(binary.binary_group.clone()))
        }
        (None, Some(version)) => (version.clone(), None),
        _ => {
            ctx.error_at_key(
                DiagnosticKind::MissingField,
                "a release names exactly one of `binary` and `version`",
                pointer,
                "give `binary: NAME` or `version: V`",
            );
            return None;
        }
    };
    for (i, id) in release.scenarios.iter().enumerate() {
        if *id <= 0 {
            ctx.error(
                DiagnosticKind::InvalidValue,
                format!("scenario id {id} is not a positive number"),
                &format!("{}/{i}", join(pointer, "scenarios")),
                "invalid scenario id",
            );
        }
    }
    check_timeout(ctx, release.timeout_seconds, pointer);
    let mut attributes = json!({
        "artifact": release.artifact,
        "server_group": release.server_group,
        "version": version,
    });
    insert_set(
        &mut attributes,
        "binary_group",
        binary_group.map(|g| json!(g)),
    );
    insert_set(
        &mut attributes,
        "scenarios",
        (!release.scenarios.is_empty()).then(|| json!(release.scenarios)),
    );
    insert_set(
        &mut attributes,
        "concurrent_num",
        release.concurrent_num.map(|n| json!(n)),
    );
    insert_set(
        &mut attributes,
        "next_when_fail",
        release.next_when_fail.map(|n| json!(n)),
    );
    insert_set(
        &mut attributes,
        "target_server_hostnames",
        (!release.target_server_hostnames.is_empty())
            .then(|| json!(release.target_server_hostnames)),
    );
    insert_set(
        &mut attributes,
        "deploy_note",
        release.deploy_note.as_ref().map(|n| json!(n)),
    );
    insert_set(
        &mut attributes,
        "async",
        release.asynchronous.map(|a| json!(a)),
    );
    Some(ctx.resource(release_spec(
        provider,
        name,
        pointer,
        attributes,
        release.timeout_seconds,
        depends_on,
        &release.depends_on,
    )))
}

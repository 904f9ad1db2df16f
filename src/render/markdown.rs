//! The plan as a pull-request comment (GitHub / GitLab flavoured Markdown): a hidden marker
//! CI uses to update its own previous comment, a summary in words, a caution callout for
//! destructive changes, a table per provider, then one collapsible block per changed
//! resource. The comment never exceeds a size limit: whole blocks are dropped from the end
//! and a note says how many.
//!
//! Everything taken from the plan is escaped for the context it lands in: `<code>` with
//! HTML escapes inside the raw-HTML `<summary>` line, backtick code spans (pipes escaped in
//! tables) elsewhere, and fences longer than any backtick run for diffs. Every value is
//! redacted before it is escaped (an escaped secret would no longer match the registry),
//! and every piece again before it is measured.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use similar::TextDiff;

use super::text::{is_multiline, symbol, value_text};
use crate::engine::plan::{Plan, Summary};
use crate::model::{Action, Change, FieldChange, Provenance};
use crate::redact::{MASK, redact};

/// GitHub's limit on the body of an issue or pull-request comment, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// The hidden marker CI uses to find and update its own previous comment; stable per
/// environment. Characters other than `[A-Za-z0-9._-]` in the environment name are
/// percent-encoded so that the name can never close the comment.
pub fn marker(environment: Option<&str>) -> String {
    let env = match environment {
        None => "default".to_owned(),
        Some(name) => {
            let mut out = String::new();
            for byte in name.bytes() {
                if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
                    out.push(char::from(byte));
                } else {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
            out
        }
    };
    format!("<!-- deployplan-plan environment={env} -->")
}

/// Renders the plan for a PR comment, never longer than `limit` bytes (bytes ≥ chars, so
/// that is safe for GitHub's char limit).
pub fn render(plan: &Plan, limit: usize) -> String {
    Pieces::of(plan).fit(limit)
}

/// The comment, cut into the blocks that truncation keeps or drops whole. Every piece is
/// already redacted and ends with a blank line (the tail with a newline).
struct Pieces {
    head: String,
    caution: Option<Caution>,
    table: String,
    details: Vec<String>,
    tail: String,
}

struct Caution {
    intro: String,
    items: Vec<String>,
    /// `prefix[k]`: total length of the first `k` items.
    prefix: Vec<usize>,
}

impl Caution {
    fn more_line(hidden: usize) -> String {
        redacted(format!(
            "> - …and {} more (see the full plan in the plan file / CI job log)\n",
            thousands(hidden)
        ))
    }

    /// An upper bound of the length of [`Caution::render`]`(k)`.
    fn len_bound(&self, k: usize) -> usize {
        let more = if k < self.items.len() {
            Self::more_line(self.items.len()).len()
        } else {
            0
        };
        self.intro.len() + self.prefix[k] + more + 1
    }

    fn render(&self, k: usize, out: &mut String) {
        out.push_str(&self.intro);
        for item in &self.items[..k] {
            out.push_str(item);
        }
        if k < self.items.len() {
            out.push_str(&Self::more_line(self.items.len() - k));
        }
        out.push('\n');
    }
}

/// What [`Pieces::fit`] keeps.
#[derive(Clone, Copy)]
struct Keep {
    caution_items: usize,
    table: bool,
    details: usize,
    tail: bool,
}

impl Pieces {
    fn of(plan: &Plan) -> Self {
        let listed: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.action.is_destructive())
            .chain(
                plan.changes
                    .iter()
                    .filter(|c| c.action.is_change() && !c.action.is_destructive()),
            )
            .chain(
                plan.changes
                    .iter()
                    .filter(|c| c.action == Action::Unmanaged),
            )
            .collect();
        Pieces {
            head: redacted(head(plan)),
            caution: caution(&listed),
            table: redacted(provider_table(&listed)),
            details: listed.iter().map(|c| redacted(details(c))).collect(),
            tail: redacted(tail(plan)),
        }
    }

    fn assemble(&self, keep: Keep, limit: usize) -> String {
        let mut out = self.head.clone();
        if let Some(caution) = &self.caution {
            caution.render(keep.caution_items, &mut out);
        }
        if keep.table {
            out.push_str(&self.table);
        }
        for block in &self.details[..keep.details] {
            out.push_str(block);
        }
        if keep.details < self.details.len() {
            out.push_str(&self.note(self.details.len() - keep.details, limit));
        }
        if keep.tail {
            out.push_str(&self.tail);
        }
        out
    }

    fn note(&self, hidden: usize, limit: usize) -> String {
        redacted(format!(
            "> **Truncated:** {} of {} changed resources are not shown (the comment limit is \
             {} characters). The full plan is in the plan file / CI job log.\n\n",
            thousands(hidden),
            thousands(self.details.len()),
            thousands(limit)
        ))
    }

    fn fit(&self, limit: usize) -> String {
        let all_items = self.caution.as_ref().map_or(0, |c| c.items.len());
        let mut keep = Keep {
            caution_items: all_items,
            table: true,
            details: self.details.len(),
            tail: true,
        };
        let full = self.assemble(keep, limit);
        if full.len() <= limit {
            return full;
        }

        // Truncated: reserve the note (its longest form) and fill with whole blocks.
        let note = self.note(self.details.len(), limit).len();
        let base = |keep: &Keep| {
            self.head.len()
                + self
                    .caution
                    .as_ref()
                    .map_or(0, |c| c.len_bound(keep.caution_items))
                + if keep.table { self.table.len() } else { 0 }
                + if keep.tail { self.tail.len() } else { 0 }
                + note
        };
        // What goes first when even the essentials do not fit: the footer, then callout
        // items from the end, then the table.
        if base(&keep) > limit {
            keep.tail = false;
        }
        while base(&keep) > limit && keep.caution_items > 0 {
            keep.caution_items -= 1;
        }
        if base(&keep) > limit {
            keep.table = false;
        }
        let mut budget = limit.saturating_sub(base(&keep));
        keep.details = 0;
        for block in &self.details {
            if block.len() > budget {
                break;
            }
            budget -= block.len();
            keep.details += 1;
        }
        // The bounds above are exact or generous; this only guards against redaction
        // making a piece longer than its measured form.
        loop {
            let out = self.assemble(keep, limit);
            if out.len() <= limit {
                return out;
            }
            if keep.details == 0 {
                return cut(&out, limit);
            }
            keep.details -= 1;
        }
    }
}

/// The longest prefix of `text` that fits in `limit` bytes, ending at a line break when
/// there is one. Only reached when the limit cannot hold even the heading.
fn cut(text: &str, limit: usize) -> String {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = &text[..end];
    match prefix.rfind('\n') {
        Some(i) => prefix[..=i].to_owned(),
        None => prefix.to_owned(),
    }
}

fn redacted(text: String) -> String {
    match redact(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(masked) => masked,
    }
}

fn head(plan: &Plan) -> String {
    let mut out = marker(plan.environment.as_deref());
    out.push('\n');
    match &plan.environment {
        Some(env) => {
            let _ = writeln!(
                out,
                "### deployplan plan — environment {}\n",
                code_span(env, false)
            );
        }
        None => out.push_str("### deployplan plan — default environment\n\n"),
    }
    out.push_str(&summary_words(&plan.summary));
    out.push_str("\n\n");
    out.push_str(&partial_note(plan));
    out
}

/// A partial plan says so: what it was limited to, so a reviewer does not take it for all.
fn partial_note(plan: &Plan) -> String {
    let flags: Vec<String> = [
        ("--target", &plan.scope.targets),
        ("--exclude", &plan.scope.excludes),
    ]
    .iter()
    .flat_map(|(flag, addresses)| {
        addresses
            .iter()
            .map(move |a| format!("`{flag}` {}", code_span(a, false)))
    })
    .collect();
    if flags.is_empty() {
        return String::new();
    }
    format!(
        "> [!NOTE]\n> Partial plan, limited by {}: the rest of the manifest is not compared.\n\n",
        flags.join(", ")
    )
}

/// `**2 to create, 1 to update, 3 to deploy**, 1 unmanaged (left alone)`.
fn summary_words(s: &Summary) -> String {
    let counts = [
        (s.create, "to create"),
        (s.update, "to update"),
        (s.replace, "to replace"),
        (s.delete, "to delete"),
        (s.deploy, "to deploy"),
    ];
    let words: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", thousands(*n)))
        .collect();
    let mut line = if words.is_empty() {
        "**No changes.** The remote matches the manifest".to_owned()
    } else {
        format!("**{}**", words.join(", "))
    };
    if s.unmanaged > 0 {
        let _ = write!(line, ", {} unmanaged (left alone)", thousands(s.unmanaged));
    }
    if words.is_empty() {
        line.push('.');
    }
    line
}

fn caution(listed: &[&Change]) -> Option<Caution> {
    let destructive: Vec<&&Change> = listed
        .iter()
        .filter(|c| c.action.is_destructive())
        .collect();
    if destructive.is_empty() {
        return None;
    }
    let n = destructive.len();
    let intro = redacted(format!(
        "> [!CAUTION]\n> **{} destructive change{}:** {} deleted{}.\n>\n",
        thousands(n),
        if n == 1 { "" } else { "s" },
        if n == 1 {
            "this resource will be"
        } else {
            "these resources will be"
        },
        if destructive.iter().any(|c| c.action == Action::Replace) {
            " (a replacement deletes, then creates)"
        } else {
            ""
        },
    ));
    let items: Vec<String> = destructive
        .iter()
        .map(|c| {
            let mut item = format!(
                "> - {} — **{}**",
                code_span(c.address.as_str(), false),
                c.action.as_str()
            );
            if !c.reason.is_empty() {
                let _ = write!(item, ": {}", rich_md(&c.reason));
            }
            item.push('\n');
            redacted(item)
        })
        .collect();
    let mut prefix = Vec::with_capacity(items.len() + 1);
    prefix.push(0);
    for item in &items {
        prefix.push(prefix.last().copied().unwrap_or(0) + item.len());
    }
    Some(Caution {
        intro,
        items,
        prefix,
    })
}

const TABLE_ACTIONS: [Action; 6] = [
    Action::Create,
    Action::Update,
    Action::Replace,
    Action::Delete,
    Action::Deploy,
    Action::Unmanaged,
];

fn provider_table(listed: &[&Change]) -> String {
    let mut rows: BTreeMap<&str, [usize; TABLE_ACTIONS.len()]> = BTreeMap::new();
    for change in listed {
        let row = rows.entry(change.provider.as_str()).or_default();
        if let Some(i) = TABLE_ACTIONS.iter().position(|a| *a == change.action) {
            row[i] += 1;
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "| provider | create | update | replace | delete | deploy | unmanaged |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (provider, counts) in rows {
        out.push_str("| ");
        out.push_str(&code_span(provider, true));
        for n in counts {
            let _ = write!(out, " | {}", thousands(n));
        }
        out.push_str(" |\n");
    }
    out.push('\n');
    out
}

fn details(change: &Change) -> String {
    let mut out = String::new();
    let action = format!("{} {}", symbol(change.action), change.action.as_str());
    let _ = write!(
        out,
        "<details><summary>{} {}",
        code_html(action.trim()),
        code_html(change.address.as_str())
    );
    if !change.reason.is_empty() {
        let _ = write!(out, " — {}", rich_html(&change.reason));
    }
    out.push_str("</summary>\n\n");

    let (multi, single): (Vec<&FieldChange>, Vec<&FieldChange>) =
        change.fields.iter().partition(|f| {
            !f.sensitive && (is_multiline(f.before.as_ref()) || is_multiline(f.after.as_ref()))
        });
    if !single.is_empty() {
        let with_source = single.iter().any(|f| f.provenance.is_some());
        out.push_str(if with_source {
            "| field | change | source |\n| --- | --- | --- |\n"
        } else {
            "| field | change |\n| --- | --- |\n"
        });
        for field in single {
            let _ = write!(
                out,
                "| {} | {} |",
                code_span(&field.path, true),
                change_cell(change.action, field)
            );
            if with_source {
                let source = field
                    .provenance
                    .as_ref()
                    .map(|p| provenance(p, true))
                    .unwrap_or_default();
                let _ = write!(out, " {source} |");
            }
            out.push('\n');
        }
        out.push('\n');
    }
    for field in multi {
        render_diff(&mut out, change.action, field);
    }
    if change.fields.is_empty() {
        match change.desired.as_ref().filter(|d| !is_empty_value(d)) {
            Some(desired) => {
                let json = serde_json::to_string(&redact_value(desired)).unwrap_or_default();
                fenced(&mut out, "json", &json);
            }
            None => out.push_str("No field-level changes.\n\n"),
        }
    }
    let mut meta = Vec::new();
    if let Some(origin) = &change.origin {
        meta.push(format!("Declared at {}", provenance(origin, false)));
    }
    if let Some(id) = &change.remote_id {
        let what = if meta.is_empty() {
            "Remote id"
        } else {
            "remote id"
        };
        meta.push(format!("{what} {}", code_span(id, false)));
    }
    if !meta.is_empty() {
        let _ = writeln!(out, "<sub>{}</sub>\n", meta.join(" · "));
    }
    out.push_str("</details>\n\n");
    out
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// The change of a single-line field, as text.rs shows it: the value for a create,
/// `before → after` otherwise, the mask for secrets.
fn change_cell(action: Action, field: &FieldChange) -> String {
    let value = |v: &Value| code_span(&value_text(&redact_value(v)), true);
    let null = || code_span("null", true);
    let mask = || code_span(MASK, true);
    let mut cell = match (&field.before, &field.after) {
        (Some(_), Some(_)) if field.sensitive => format!("{} → {}", mask(), mask()),
        _ if field.sensitive => mask(),
        (None, Some(after)) if action == Action::Create => value(after),
        (None, Some(after)) => format!("{} → {}", null(), value(after)),
        (Some(before), None) => format!("{} → {}", value(before), null()),
        (Some(before), Some(after)) => format!("{} → {}", value(before), value(after)),
        (None, None) => String::new(),
    };
    if field.forces_replacement && action == Action::Replace {
        cell.push_str(" · **forces replacement**");
    }
    cell
}

/// A multi-line value (a script) as a unified diff in a fence no content line can close.
fn render_diff(out: &mut String, action: Action, field: &FieldChange) {
    let mut label = code_span(&field.path, false);
    if field.forces_replacement && action == Action::Replace {
        label.push_str(" · **forces replacement**");
    }
    if let Some(p) = &field.provenance {
        let _ = write!(label, " · {}", provenance(p, false));
    }
    let _ = writeln!(out, "{label}\n");
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|s| redact(s).into_owned())
            .unwrap_or_default()
    };
    let (before, after) = (text(field.before.as_ref()), text(field.after.as_ref()));
    let diff = TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(2)
        .header("remote", "desired")
        .to_string();
    fenced(out, "diff", &diff);
}

fn fenced(out: &mut String, info: &str, body: &str) {
    let fence = "`".repeat(longest_run(body, '`').max(2) + 1);
    let _ = writeln!(out, "{fence}{info}");
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "{fence}\n");
}

/// `deployplan.yaml:12:9` · environment `production`.
fn provenance(p: &Provenance, in_table: bool) -> String {
    let mut text = code_span(&format!("{}:{}:{}", p.file, p.line, p.column), in_table);
    if let Some(env) = &p.overlay {
        let _ = write!(text, " · environment {}", code_span(env, in_table));
    }
    text
}

fn tail(plan: &Plan) -> String {
    let n = plan.summary.unchanged;
    let hash: String = plan.manifest_hash.chars().take(12).collect();
    format!(
        "{} resource{} unchanged.\n\n<sub>deployplan {} · manifest sha256 {}</sub>\n",
        thousands(n),
        if n == 1 { "" } else { "s" },
        md_text(&plan.deployplan_version),
        md_text(&hash)
    )
}

/// Every string in `value` redacted, before the value is formatted (quoting and escaping
/// would hide a secret from a later pass).
fn redact_value(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn one_line(text: &str) -> String {
    redact(text).replace(['\r', '\n'], " ")
}

/// A Markdown code span no content can end early. In a table cell, pipes are escaped
/// (GFM splits cells before it parses spans); a pipe after an odd run of backslashes gets
/// two, since the first would escape the backslash rather than the pipe.
fn code_span(text: &str, in_table: bool) -> String {
    let text = one_line(text);
    if text.is_empty() {
        return "` `".to_owned();
    }
    let body = if in_table {
        let mut body = String::with_capacity(text.len() + 2);
        let mut backslashes = 0;
        for c in text.chars() {
            if c == '|' {
                body.push_str(if backslashes % 2 == 1 { "\\\\|" } else { "\\|" });
            } else {
                body.push(c);
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        body
    } else {
        text
    };
    let fence = "`".repeat(longest_run(&body, '`') + 1);
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' ') && !body.trim().is_empty());
    if pad {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

/// Text for a raw-HTML context (the `<summary>` line): Markdown is not parsed there.
fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn code_html(text: &str) -> String {
    format!("<code>{}</code>", html_text(text))
}

/// Plain text in Markdown: punctuation that could start markup is backslash-escaped.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' | '!' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A reason splits into text and `code` parts: the engine writes names in backticks. An
/// unmatched or empty pair of backticks stays text.
fn segments(text: &str) -> Vec<(bool, String)> {
    let text = one_line(text);
    let parts: Vec<&str> = text.split('`').collect();
    let closed = parts.len() - (1 - parts.len() % 2);
    let mut out: Vec<(bool, String)> = Vec::new();
    let push_text = |out: &mut Vec<(bool, String)>, part: &str| match out.last_mut() {
        Some((false, last)) => last.push_str(part),
        _ => out.push((false, part.to_owned())),
    };
    for (i, part) in parts[..closed].iter().enumerate() {
        if i.is_multiple_of(2) {
            push_text(&mut out, part);
        } else if part.is_empty() {
            push_text(&mut out, "``");
        } else {
            out.push((true, (*part).to_owned()));
        }
    }
    if closed < parts.len() {
        push_text(&mut out, &format!("`{}", parts[closed]));
    }
    out.retain(|(code, part)| *code || !part.is_empty());
    out
}

fn rich_md(text: &str) -> String {
    segments(text)
        .iter()
        .map(|(code, part)| {
            if *code {
                code_span(part, false)
            } else {
                md_text(part)
            }
        })
        .collect()
}

fn rich_html(text: &str) -> String {
    segments(text)
        .iter()
        .map(|(code, part)| {
            if *code {
                code_html(part)
            } else {
                html_text(part)
            }
        })
        .collect()
}

/// `1,234`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::model::Provenance;
    use serde_json::json;

    use crate::render::fixtures::{change, field, plan};

    fn representative() -> Plan {
        let mut secret = field("commands.pre[0].run", Some(json!(MASK)), Some(json!(MASK)));
        secret.sensitive = true;
        let mut replace = field(
            "target.type",
            Some(json!("server")),
            Some(json!("kubernetes")),
        );
        replace.forces_replacement = true;
        let mut create = change(
            "ncp.project.shop.stage.dev.scenario.api",
            Action::Create,
            "not found remotely",
            vec![
                field("description", None, Some(json!("API | public"))),
                field("servers", None, Some(json!([101, 102]))),
            ],
        );
        create.origin = Some(Provenance {
            file: "deployplan.yaml".into(),
            line: 30,
            column: 5,
            overlay: None,
        });
        let mut delete = change(
            "ncp.project.shop.stage.dev.scenario.legacy",
            Action::Delete,
            "not in the manifest; pruned (`prune` on `ncp.project.shop.stage.dev`)",
            vec![],
        );
        delete.remote_id = Some("4711".into());
        let mut unmanaged = change(
            "ncp.project.shop.stage.dev.scenario.old",
            Action::Unmanaged,
            "not in the manifest; `prune: true` on `ncp.project.shop.stage.dev` would delete it",
            vec![],
        );
        unmanaged.remote_id = Some("4712".into());
        let mut other = change(
            "nhn.app.shop",
            Action::Update,
            "changed: name",
            vec![field("name", Some(json!("shop")), Some(json!("shop-v2")))],
        );
        other.provider = "nhn".into();
        other.fields[0].provenance = None;
        plan(vec![
            change("ncp.project.shop", Action::Noop, "up to date", vec![]),
            create,
            change(
                "ncp.project.shop.stage.dev.scenario.web",
                Action::Update,
                "changed: description, commands.post[0].run",
                vec![
                    field("description", Some(json!("old")), Some(json!("new"))),
                    field(
                        "commands.post[0].run",
                        Some(json!("systemctl start shop\ncurl -fsS localhost/health\n")),
                        Some(json!("systemctl start shop\ncurl -fsS localhost/ready\n")),
                    ),
                    secret,
                ],
            ),
            change(
                "ncp.project.shop.stage.k8s",
                Action::Replace,
                "forces replacement: a stage's target type cannot change in place (`target.type`)",
                vec![replace],
            ),
            change(
                "ncp.release.web",
                Action::Deploy,
                "deployed artifact shop-1.4.1.tar.gz ≠ desired shop-1.4.2.tar.gz",
                vec![field(
                    "artifact",
                    Some(json!("shop-1.4.1.tar.gz")),
                    Some(json!("shop-1.4.2.tar.gz")),
                )],
            ),
            delete,
            unmanaged,
            other,
        ])
    }

    /// Cell separators as GFM sees them: pipes not escaped by a backslash.
    fn unescaped_pipes(line: &str) -> usize {
        let (mut n, mut backslashes) = (0, 0_usize);
        for c in line.chars() {
            if c == '|' && backslashes.is_multiple_of(2) {
                n += 1;
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        n
    }

    /// The line without its code spans (CommonMark: a backtick run opens a span closed by
    /// the next run of the same length; an unclosed run is literal).
    fn without_code_spans(line: &str) -> String {
        let chars: Vec<char> = line.chars().collect();
        let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
        let (mut out, mut i) = (String::new(), 0);
        while i < chars.len() {
            if chars[i] != '`' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let n = run_at(i);
            let mut j = i + n;
            let close = loop {
                if j >= chars.len() {
                    break None;
                }
                if chars[j] == '`' {
                    let m = run_at(j);
                    if m == n {
                        break Some(j + m);
                    }
                    j += m;
                } else {
                    j += 1;
                }
            };
            match close {
                Some(end) => {
                    out.push_str("<code/>");
                    i = end;
                }
                None => {
                    out.extend(&chars[i..i + n]);
                    i += n;
                }
            }
        }
        out
    }

    /// Checks the block structure: fences are closed, and outside fences `<details>` only
    /// opens a line, `</details>` only is a whole line, and they alternate.
    fn assert_structure(md: &str) -> usize {
        let mut fence: Option<String> = None;
        let mut open = false;
        let mut blocks = 0;
        let mut table_cells = None;
        for line in md.lines() {
            if let Some(f) = &fence {
                let trimmed = line.trim_start_matches(' ');
                if line.len() - trimmed.len() <= 3
                    && trimmed.starts_with(f.as_str())
                    && trimmed.trim_end().chars().all(|c| c == '`')
                {
                    fence = None;
                }
                continue;
            }
            if line.starts_with("```") {
                let run = line.chars().take_while(|c| *c == '`').count();
                fence = Some("`".repeat(run));
                continue;
            }
            if line.starts_with("<details>") {
                assert!(!open, "nested <details>: {line}");
                open = true;
                blocks += 1;
                assert!(
                    line.ends_with("</summary>"),
                    "summary not closed on its line: {line}"
                );
                let inner = &line["<details>".len()..line.len() - "</summary>".len()];
                assert!(
                    !inner.contains("<details")
                        && !inner.contains("</details")
                        && inner.matches("<summary>").count() == 1
                        && !inner.contains("</summary"),
                    "markup inside the summary: {line}"
                );
                continue;
            }
            if line == "</details>" {
                assert!(open, "</details> without <details>");
                open = false;
                continue;
            }
            let bare = without_code_spans(line);
            assert!(
                !bare.contains("<details") && !bare.contains("</details"),
                "stray details tag outside a code span: {line}"
            );
            if line.starts_with('|') {
                let cells = unescaped_pipes(line);
                let expected = *table_cells.get_or_insert(cells);
                assert_eq!(cells, expected, "table row with a stray cell: {line}");
            } else {
                table_cells = None;
            }
        }
        assert!(fence.is_none(), "unclosed fence");
        assert!(!open, "unclosed <details>");
        blocks
    }

    #[test]
    fn renders_representative_plan() {
        let md = render(&representative(), COMMENT_LIMIT);
        assert_eq!(assert_structure(&md), 7);
        insta::assert_snapshot!(md);
    }

    #[test]
    fn renders_no_changes() {
        let mut p = plan(vec![
            change("ncp.project.shop", Action::Noop, "up to date", vec![]),
            change(
                "ncp.project.shop.stage.dev",
                Action::Noop,
                "up to date",
                vec![],
            ),
        ]);
        p.environment = None;
        let md = render(&p, COMMENT_LIMIT);
        assert_eq!(assert_structure(&md), 0);
        insta::assert_snapshot!(md);
    }

    fn huge(n: usize) -> Plan {
        let changes = (0..n)
            .map(|i| {
                let (action, reason) = if i % 10 == 0 {
                    (Action::Delete, "not in the manifest; pruned")
                } else {
                    (Action::Update, "changed: description, servers, timeout")
                };
                change(
                    &format!("ncp.project.shop.stage.dev.scenario.s{i:04}"),
                    action,
                    reason,
                    vec![
                        field(
                            "description",
                            Some(json!("old")),
                            Some(json!(format!("new {i}"))),
                        ),
                        field("servers", Some(json!([1, 2])), Some(json!([1, 2, 3]))),
                        field("timeout", Some(json!(60)), Some(json!(120))),
                    ],
                )
            })
            .collect();
        plan(changes)
    }

    #[test]
    fn truncates_to_the_comment_limit_with_whole_blocks() {
        let md = render(&huge(2_000), COMMENT_LIMIT);
        assert!(md.len() <= COMMENT_LIMIT, "{} bytes", md.len());
        let shown = assert_structure(&md);
        assert!(shown > 0 && shown < 2_000, "{shown} shown");
        let hidden = 2_000 - shown;
        assert!(
            md.contains(&format!(
                "> **Truncated:** {} of 2,000 changed resources are not shown (the comment limit is 65,536 characters).",
                thousands(hidden)
            )),
            "{md}"
        );
        // Essentials survive: the marker, heading, summary, every caution item, the table.
        assert!(md.starts_with("<!-- deployplan-plan environment=production -->\n"));
        assert!(md.contains("**1,800 to update, 200 to delete**"));
        assert_eq!(md.matches("> - `").count(), 200);
        assert!(md.contains("| `ncp` | 0 | 1,800 | 0 | 200 | 0 | 0 |"));
        assert!(md.contains("manifest sha256 3f9a1c0de4b7"));
        // Destructive blocks come first.
        assert!(md.contains("s0000</code>"));
    }

    #[test]
    fn truncates_the_caution_list_too() {
        let mut p = huge(3_000);
        for c in &mut p.changes {
            c.action = Action::Delete;
        }
        p.summary = Summary::of(&p.changes);
        let md = render(&p, COMMENT_LIMIT);
        assert!(md.len() <= COMMENT_LIMIT);
        assert_eq!(assert_structure(&md), 0);
        let items = md.matches("> - `").count();
        assert!(items > 0 && items < 3_000);
        assert!(md.contains(&format!(
            "> - …and {} more (see the full plan",
            thousands(3_000 - items)
        )));
        assert!(md.contains("> **Truncated:** 3,000 of 3,000 changed resources"));
    }

    #[test]
    fn any_limit_holds() {
        let p = representative();
        let full = render(&p, usize::MAX);
        for limit in [
            0,
            10,
            60,
            150,
            400,
            900,
            1_500,
            2_500,
            4_000,
            full.len() - 1,
        ] {
            let md = render(&p, limit);
            assert!(md.len() <= limit, "limit {limit}: {} bytes", md.len());
            assert_structure(&md);
        }
        assert_eq!(render(&p, full.len()), full);
    }

    #[test]
    fn hostile_values_cannot_break_the_markup() {
        let nasty = "```\n</details>\n<details><summary>x</summary> | `a` \\| <b>";
        let mut p = plan(vec![change(
            "ncp.project.\"</details>```\"",
            Action::Update,
            "changed: `</details>` </summary> ```",
            vec![
                field(
                    "description",
                    Some(json!("ok")),
                    Some(json!("``` </details> |")),
                ),
                field("script", Some(json!("echo hi\n")), Some(json!(nasty))),
                field("path|with`tick", None, Some(json!("x"))),
            ],
        )]);
        p.changes[0].fields[0].provenance = Some(Provenance {
            file: "a|b`.yaml".into(),
            line: 1,
            column: 1,
            overlay: Some("</details>".into()),
        });
        p.environment = Some("pro`d --> x".into());
        let md = render(&p, COMMENT_LIMIT);
        assert_eq!(assert_structure(&md), 1, "{md}");
        assert!(md.starts_with("<!-- deployplan-plan environment=pro%60d%20--%3E%20x -->\n"));
        // The diff fence is longer than any backtick run inside it.
        assert!(md.contains("````diff\n"), "{md}");
        // In the summary everything is HTML-escaped.
        assert!(md.contains(
            "<code>ncp.project.&quot;&lt;/details&gt;```&quot;</code> — changed: \
             <code>&lt;/details&gt;</code> &lt;/summary&gt; ```</summary>"
        ));
        // Table cells: pipes escaped, spans fenced past their backticks.
        assert!(
            md.contains("| ``path\\|with`tick`` | `null` → `\"x\"` |"),
            "{md}"
        );
        assert!(
            md.contains("| `\"ok\"` → ````\"``` </details> \\|\"```` |"),
            "{md}"
        );
    }

    #[test]
    fn redacts_registered_secrets_even_when_escaped() {
        crate::redact::register("s3cr|t<pw>");
        let p = plan(vec![change(
            "ncp.project.shop",
            Action::Update,
            "changed: password `s3cr|t<pw>`",
            vec![field(
                "env",
                Some(json!("a")),
                Some(json!("x s3cr|t<pw> y")),
            )],
        )]);
        let md = render(&p, COMMENT_LIMIT);
        assert!(!md.contains("s3cr"), "{md}");
        assert!(md.contains(MASK));
    }

    #[test]
    fn marker_is_stable_per_environment() {
        assert_eq!(
            marker(Some("production")),
            "<!-- deployplan-plan environment=production -->"
        );
        assert_eq!(marker(None), "<!-- deployplan-plan environment=default -->");
        assert_eq!(marker(Some("staging")), marker(Some("staging")));
        assert_ne!(marker(Some("staging")), marker(Some("production")));
        assert_ne!(marker(Some("a b")), marker(Some("a_b")));
        let mut p = representative();
        assert!(render(&p, COMMENT_LIMIT).starts_with(&marker(Some("production"))));
        p.environment = None;
        assert!(render(&p, COMMENT_LIMIT).starts_with(&marker(None)));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_partial_plan_says_what_it_was_limited_to() {
        let mut partial = plan(vec![change(
            "ncp.release.web",
            Action::Deploy,
            "never deployed",
            vec![],
        )]);
        partial.scope.targets = vec!["ncp.release.web".into()];
        partial.scope.excludes = vec!["ncp.project.blog".into()];
        let text = render(&partial, COMMENT_LIMIT);
        assert!(
            text.contains("> Partial plan, limited by `--target` `ncp.release.web`, `--exclude` `ncp.project.blog`"),
            "{text}"
        );
        let full = plan(vec![]);
        assert!(!render(&full, COMMENT_LIMIT).contains("Partial plan"));
    }
}

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
use crate::engine::plan::Plan;
use crate::model::{Action, Change, FieldChange, Provenance};
use crate::redact::{MASK, redact};

mod escape;
mod head;
use escape::{
    code_html, code_span, longest_run, md_text, redact_value, rich_html, rich_md, thousands,
};
use head::head;

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
            "> - …and {} more (the saved plan file has them all)\n",
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
            .filter(|c| c.is_destructive())
            .chain(
                plan.changes
                    .iter()
                    .filter(|c| c.action.is_change() && !c.is_destructive()),
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
             {} characters). The full plan is in the saved plan file (`plan --out`, kept as a CI artifact).\n\n",
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

fn caution(listed: &[&Change]) -> Option<Caution> {
    let destructive: Vec<&&Change> = listed.iter().filter(|c| c.is_destructive()).collect();
    if destructive.is_empty() {
        return None;
    }
    let n = destructive.len();
    let intro = redacted(format!(
        "> [!CAUTION]\n> **{} destructive change{}:** {}{}.\n>\n",
        thousands(n),
        if n == 1 { "" } else { "s" },
        match (n, destructive.iter().all(|c| c.action.is_destructive())) {
            (1, true) => "this resource will be deleted",
            (_, true) => "these resources will be deleted",
            (1, false) => "this change loses data that cannot be restored",
            (_, false) => "these changes delete resources or lose data that cannot be restored",
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
    let mut action = format!("{} {}", symbol(change.action), change.action.as_str());
    if let Some(running) = &change.following {
        let _ = write!(action, " after following deployment {}", running.id);
    }
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

#[cfg(test)]
mod tests;

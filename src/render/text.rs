//! The human plan: a compact list of what changes and why, then the details of each
//! change (unchanged fields folded, multi-line values as unified diffs, secrets masked),
//! then the summary line. Colour is emitted as ANSI styles and stripped by the writer when
//! the output is not a terminal or `NO_COLOR` is set.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde_json::Value;
use similar::TextDiff;

use crate::engine::plan::{Plan, Summary};
use crate::model::{Action, Change, FieldChange};
use crate::redact::MASK;

fn style(action: Action) -> Style {
    let color = match action {
        Action::Create => AnsiColor::Green,
        Action::Update => AnsiColor::Yellow,
        Action::Replace | Action::Delete => AnsiColor::Red,
        Action::Deploy => AnsiColor::Cyan,
        Action::Unmanaged | Action::Noop => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into()))
}

pub fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "±",
        Action::Delete => "-",
        Action::Deploy => "▶",
        Action::Unmanaged => "?",
        Action::Noop => " ",
    }
}

fn painted(action: Action, text: &str) -> String {
    let s = style(action);
    format!("{s}{text}{s:#}")
}

pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

pub(crate) fn is_multiline(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains('\n'))
}

/// Renders the plan.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let env = plan
        .environment
        .as_deref()
        .map(|e| format!(" (environment `{e}`)"))
        .unwrap_or_default();
    let listed: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Noop)
        .collect();
    if listed.is_empty() {
        let _ = writeln!(
            out,
            "No changes{env}. The remote state matches the manifest ({} resources up to date).",
            plan.summary.unchanged
        );
        return out;
    }
    let _ = writeln!(out, "deployplan will perform these actions{env}:\n");
    let width = listed
        .iter()
        .map(|c| c.address.as_str().chars().count())
        .max()
        .unwrap_or(0);
    let destructive_first = listed
        .iter()
        .filter(|c| c.is_destructive())
        .chain(listed.iter().filter(|c| !c.is_destructive()));
    for change in destructive_first {
        let _ = writeln!(
            out,
            "  {} {:<width$}  {}  {}",
            painted(change.action, symbol(change.action)),
            change.address.as_str(),
            painted(change.action, &format!("{:<9}", change.action.as_str())),
            change.reason,
        );
    }
    let detailed: Vec<&&Change> = listed.iter().filter(|c| !c.fields.is_empty()).collect();
    if !detailed.is_empty() {
        let _ = writeln!(out, "\nDetails:");
    }
    for change in detailed {
        let _ = writeln!(
            out,
            "\n  {} {} {}",
            painted(change.action, symbol(change.action)),
            change.address,
            headline(change)
        );
        for field in &change.fields {
            render_field(&mut out, change.action, field);
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(&plan.summary));
    out
}

fn headline(change: &Change) -> String {
    match change.action {
        Action::Create => "will be created".into(),
        Action::Update if change.destructive => {
            format!(
                "will be updated in place, destructively ({})",
                change.reason
            )
        }
        Action::Update => "will be updated in place".into(),
        Action::Replace => format!("must be replaced ({})", change.reason),
        Action::Delete => "will be deleted".into(),
        Action::Deploy => match &change.following {
            Some(running) => format!(
                "will follow deployment {} ({}) to its end, then be deployed if still needed",
                running.id, running.status
            ),
            None => match &change.method {
                Some(method) => format!("will be deployed by {method}"),
                None => "will be deployed".into(),
            },
        },
        Action::Unmanaged | Action::Noop => String::new(),
    }
}

fn render_field(out: &mut String, action: Action, field: &FieldChange) {
    let origin = field
        .provenance
        .as_ref()
        .map(|p| format!("  # {p}"))
        .unwrap_or_default();
    let marker = if field.forces_replacement && action == Action::Replace {
        "  # forces replacement"
    } else {
        ""
    };
    let (sym, field_action) = match (&field.before, &field.after) {
        (None, Some(_)) => ("+", Action::Create),
        (Some(_), None) => ("-", Action::Delete),
        _ => ("~", Action::Update),
    };
    let sym = painted(
        if action == Action::Create {
            Action::Create
        } else {
            field_action
        },
        sym,
    );
    if !field.sensitive
        && (is_multiline(field.before.as_ref()) || is_multiline(field.after.as_ref()))
    {
        let before = field.before.as_ref().and_then(Value::as_str).unwrap_or("");
        let after = field.after.as_ref().and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(out, "      {sym} {}:{marker}{origin}", field.path);
        let diff = TextDiff::from_lines(before, after);
        for line in diff
            .unified_diff()
            .context_radius(2)
            .header("remote", "desired")
            .to_string()
            .lines()
        {
            let styled = if line.starts_with('+') && !line.starts_with("+++") {
                painted(Action::Create, line)
            } else if line.starts_with('-') && !line.starts_with("---") {
                painted(Action::Delete, line)
            } else {
                line.to_owned()
            };
            let _ = writeln!(out, "          {styled}");
        }
        return;
    }
    let text = match (&field.before, &field.after) {
        (Some(_), Some(_)) if field.sensitive => format!("{MASK} → {MASK}"),
        _ if field.sensitive => MASK.to_owned(),
        (None, Some(after)) => value_text(after),
        (Some(before), None) => format!("{} → null", value_text(before)),
        (Some(before), Some(after)) => format!("{} → {}", value_text(before), value_text(after)),
        (None, None) => String::new(),
    };
    let _ = writeln!(out, "      {sym} {} = {text}{marker}{origin}", field.path);
}

/// `Plan: 2 to create, 1 to update, 0 to replace, 0 to delete, 3 to deploy.`
pub fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete, {} to deploy.",
        s.create, s.update, s.replace, s.delete, s.deploy
    );
    if s.unmanaged > 0 {
        let _ = write!(
            line,
            " {} unmanaged (not deleted without prune).",
            s.unmanaged
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::render::fixtures::{change, field, plan};

    #[test]
    fn renders_list_details_diffs_and_summary() {
        let mut secret = field(
            "commands.pre[0].run",
            Some(json!(crate::redact::MASK)),
            Some(json!(crate::redact::MASK)),
        );
        secret.sensitive = true;
        let mut replace = field(
            "target.type",
            Some(json!("server")),
            Some(json!("kubernetes")),
        );
        replace.forces_replacement = true;
        let text = render(&plan(vec![
            change("ncp.project.shop", Action::Noop, "up to date", vec![]),
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
            change(
                "ncp.project.shop.stage.dev.scenario.old",
                Action::Unmanaged,
                "not in the manifest; `prune: true` on `ncp.project.shop.stage.dev` would delete it",
                vec![],
            ),
        ]));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn no_changes_is_one_line() {
        let text = render(&plan(vec![change(
            "ncp.project.shop",
            Action::Noop,
            "up to date",
            vec![],
        )]));
        assert_eq!(
            text,
            "No changes (environment `production`). The remote state matches the manifest (1 resources up to date).\n"
        );
    }
}

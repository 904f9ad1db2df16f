//! The planned changes as a graph: one node per change (no-ops too, for context), an edge
//! from each dependency or parent to what waits for it, coloured by action like the text
//! plan. Graphviz (`dot`) and Mermaid (`flowchart`) sources, deterministic in plan order.
//! Node ids are `n0`, `n1`, … so that no address has to be an identifier; addresses only
//! ever appear in escaped labels.

use std::fmt::Write as _;

use super::text::symbol;
use crate::engine::graph::DependencyGraph;
use crate::engine::plan::Plan;
use crate::model::Action;
use crate::redact::redact;

/// Every action, in legend order.
const ACTIONS: [Action; 7] = [
    Action::Create,
    Action::Update,
    Action::Replace,
    Action::Delete,
    Action::Deploy,
    Action::Unmanaged,
    Action::Noop,
];

/// Fill, border and text colour, after the text plan's ANSI colours: create green,
/// update yellow, replace and delete red, deploy cyan, no-op and unmanaged grey.
fn colors(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("#dafbe1", "#1a7f37", "#1f2328"),
        Action::Update => ("#fff8c5", "#bf8700", "#1f2328"),
        Action::Replace => ("#ffebe9", "#cf222e", "#1f2328"),
        Action::Delete => ("#ffcecb", "#a40e26", "#1f2328"),
        Action::Deploy => ("#d7f5fa", "#0a8ea3", "#1f2328"),
        Action::Unmanaged | Action::Noop => ("#f6f8fa", "#8c959f", "#57606a"),
    }
}

/// `~ update`, `no-op`.
fn action_label(action: Action) -> String {
    format!("{} {}", symbol(action), action.as_str())
        .trim()
        .to_owned()
}

/// Mermaid class names (`noop`, not `no-op`).
fn class_name(action: Action) -> &'static str {
    match action {
        Action::Noop => "noop",
        other => other.as_str(),
    }
}

/// Edges `(dependency, dependent)` by index into `plan.changes`: `depends_on` and the
/// parent, both ends in the plan, no duplicates and no self-loops, in plan order of the
/// dependent and then in the order it names its dependencies.
fn edges(plan: &Plan) -> Vec<(usize, usize)> {
    let graph = DependencyGraph::new(&plan.changes);
    graph
        .nodes()
        .flat_map(|to| {
            (graph.dependencies(to).into_iter())
                .filter(move |from| *from != to)
                .map(move |from| (from.index(), to.index()))
        })
        .collect()
}

/// Actions present in the plan, in legend order.
fn present(plan: &Plan) -> Vec<Action> {
    ACTIONS
        .into_iter()
        .filter(|a| plan.changes.iter().any(|c| c.action == *a))
        .collect()
}

fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in redact(text).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot_node(out: &mut String, id: &str, label: &str, action: Action) {
    let (fill, stroke, font) = colors(action);
    let style = if action == Action::Unmanaged {
        ", style=\"rounded,filled,dashed\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "  {id} [label={}, fillcolor=\"{fill}\", color=\"{stroke}\", fontcolor=\"{font}\"{style}];",
        dot_string(label)
    );
}

/// The plan as Graphviz source: `dot -Tsvg plan.dot > plan.svg`.
pub fn dot(plan: &Plan) -> String {
    let mut out = String::from(
        "digraph deployplan {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", \
         fontname=\"Helvetica\", fontsize=10];\n  edge [color=\"#57606a\"];\n",
    );
    if !plan.changes.is_empty() {
        out.push('\n');
    }
    for (i, change) in plan.changes.iter().enumerate() {
        let label = format!("{}\n{}", change.address, action_label(change.action));
        dot_node(&mut out, &format!("n{i}"), &label, change.action);
    }
    let edges = edges(plan);
    if !edges.is_empty() {
        out.push('\n');
    }
    for (from, to) in edges {
        let _ = writeln!(out, "  n{from} -> n{to};");
    }
    let legend = present(plan);
    if !legend.is_empty() {
        out.push_str(
            "\n  subgraph cluster_legend {\n    label=\"Legend\";\n    fontname=\"Helvetica\";\n    \
             fontsize=10;\n    color=\"#d0d7de\";\n",
        );
        for action in legend {
            let mut node = String::new();
            dot_node(
                &mut node,
                &format!("legend_{}", class_name(action)),
                &action_label(action),
                action,
            );
            out.push_str("  ");
            out.push_str(&node);
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    redact(&out).into_owned()
}

/// A Mermaid label body for `["…"]`: entity codes for what would end or mark up the label.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in redact(text).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The plan as Mermaid source (without the surrounding fence): `flowchart LR` ….
pub fn mermaid(plan: &Plan) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, change) in plan.changes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{}<br/>{}\"]",
            mermaid_text(change.address.as_str()),
            mermaid_text(&action_label(change.action))
        );
    }
    for (from, to) in edges(plan) {
        let _ = writeln!(out, "  n{from} --> n{to}");
    }
    for action in ACTIONS {
        let (fill, stroke, font) = colors(action);
        let dashed = if action == Action::Unmanaged {
            ",stroke-dasharray:5 3"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  classDef {} fill:{fill},stroke:{stroke},color:{font}{dashed}",
            class_name(action)
        );
    }
    for action in present(plan) {
        let ids: Vec<String> = plan
            .changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.action == action)
            .map(|(i, _)| format!("n{i}"))
            .collect();
        let _ = writeln!(out, "  class {} {}", ids.join(","), class_name(action));
    }
    redact(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Change};

    use crate::render::fixtures::plan;

    fn change(address: &str, action: Action) -> Change {
        crate::render::fixtures::change(address, action, "", vec![])
    }

    fn small() -> Plan {
        let project = change("ncp.project.shop", Action::Noop);
        let mut stage = change("ncp.project.shop.stage.dev", Action::Update);
        stage.parent = Some(project.address.clone());
        let mut scenario = change("ncp.project.shop.stage.dev.scenario.web", Action::Create);
        scenario.parent = Some(stage.address.clone());
        // The parent again as a dependency: one edge only.
        scenario.depends_on = vec![stage.address.clone()];
        let mut release = change("ncp.release.web", Action::Deploy);
        release.depends_on = vec![
            scenario.address.clone(),
            Address("ncp.release.not-in-plan".into()),
        ];
        let quoted = change(r#"ncp.project."my \"app\"""#, Action::Replace);
        let mut child = change(r#"ncp.project."my \"app\"".stage.old"#, Action::Unmanaged);
        child.parent = Some(quoted.address.clone());
        plan(vec![project, stage, scenario, release, quoted, child])
    }

    #[test]
    fn dot_snapshot() {
        insta::assert_snapshot!(dot(&small()));
    }

    #[test]
    fn mermaid_snapshot() {
        insta::assert_snapshot!(mermaid(&small()));
    }

    #[test]
    fn edges_are_deduplicated_and_only_inside_the_plan() {
        assert_eq!(edges(&small()), vec![(0, 1), (1, 2), (2, 3), (4, 5)]);
    }

    #[test]
    fn quotes_are_escaped() {
        let p = plan(vec![change(r#"ncp.project."a\"b""#, Action::Create)]);
        let d = dot(&p);
        assert!(
            d.contains(r#"n0 [label="ncp.project.\"a\\\"b\"\n+ create", "#),
            "{d}"
        );
        let m = mermaid(&p);
        assert!(
            m.contains(r#"n0["ncp.project.#quot;a\#quot;b#quot;<br/>+ create"]"#),
            "{m}"
        );
        // No raw quote ends a label early.
        let line = m.lines().nth(1).unwrap_or_default();
        assert_eq!(line.matches('"').count(), 2, "{line}");
    }

    #[test]
    fn empty_plan() {
        let p = plan(vec![]);
        assert_eq!(
            dot(&p),
            "digraph deployplan {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", \
             fontname=\"Helvetica\", fontsize=10];\n  edge [color=\"#57606a\"];\n}\n"
        );
        assert!(mermaid(&p).starts_with("flowchart LR\n  classDef create "));
    }
}

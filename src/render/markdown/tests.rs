//! The comment's structure, escaping, truncation and redaction.
use super::*;
use crate::engine::plan::Summary;
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
        "> - …and {} more (the saved plan file has them all)",
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

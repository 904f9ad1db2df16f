//! Deployment history: `GET …/artifacts/{artifactId}/deploy-histories`.
//!
//! Parameters and defaults as documented: `serverGroupId` (0 = the whole artifact, the
//! default; an id of no group just matches nothing), `deploymentYearFrom` / `deploymentYearTo`
//! (`yyyy-MM-dd`, KST calendar days, both inclusive; defaults today − 1 month and today),
//! `pageNum` / `pageSize` (≥ 1; defaults 1 and 20). A malformed date, `from` after `to`, or a
//! window longer than one year (`to` after `from` + 1 year) is `BAD_REQUEST`. Each default
//! applies on its own, so `deploymentYearTo` alone in the distant past makes `from` > `to`.
//!
//! Entries are newest first (by `deployKey`). `totalResult` is derived from the clock
//! (`RUNNING` until the run's end, then `SUCCESS`/`FAIL`), so it progresses across restarts.

use std::sync::Arc;

use axum::extract::State;
use jiff::ToSpan;
use jiff::civil::Date;

use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs};
use super::state::Deployment;
use super::{NhnEmulator, artifacts, time};
use crate::providers::common::emulator::now_ms;
use crate::providers::nhn::wire::{DeployHistory, DeployHistoryPage};

/// `GET …/artifacts/{artifactId}/deploy-histories`
pub(super) async fn list(
    State(emulator): State<Arc<NhnEmulator>>,
    params: Params,
    query: QueryPairs,
) -> ApiResult<DeployHistoryPage> {
    let artifact = artifacts::artifact(&params)?;
    let group = query.number("serverGroupId", 0, 0)?;
    let now = now_ms();
    let (from, to) = window(&query, time::kst_date(now))?;
    let paging = query.paging()?;
    let mut entries: Vec<DeployHistory> = emulator.with_state(|state| {
        state
            .deployments
            .iter()
            .filter(|run| run.artifact_id == artifact.id)
            .filter(|run| group == 0 || run.server_group_id == group)
            .filter(|run| (from..=to).contains(&time::kst_date(run.started)))
            .map(|run| entry(run, now))
            .collect()
    });
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.deploy_key));
    let total_count = entries.len() as i64;
    ok(DeployHistoryPage {
        total_count,
        deploy_histories: paging.page(entries),
    })
}

/// The history entry of a run as seen at `now`.
pub(super) fn entry(run: &Deployment, now: i64) -> DeployHistory {
    DeployHistory {
        deploy_key: run.deploy_key,
        scenario_name: run.scenario_name.clone(),
        server_group_name: run.server_group_name.clone(),
        server_group_id: run.server_group_id,
        binary_version: run.binary_version.clone(),
        execute_date: time::iso(run.started),
        execute_user: run.execute_user.clone(),
        total_result: run
            .outcome_at(now)
            .map_or("RUNNING", |outcome| outcome.upper())
            .to_owned(),
    }
}

/// The inclusive day window, checked.
fn window(query: &QueryPairs, today: Date) -> Result<(Date, Date), ApiError> {
    let day = |key: &str, default: Date| -> Result<Date, ApiError> {
        match query.get(key) {
            None => Ok(default),
            Some(text) => time::parse_day(text).ok_or_else(|| {
                ApiError::bad_request(format!("{key} must be a yyyy-MM-dd date, got {text:?}"))
            }),
        }
    };
    let month_ago = today.checked_sub(1.month()).unwrap_or(today);
    let from = day("deploymentYearFrom", month_ago)?;
    let to = day("deploymentYearTo", today)?;
    if from > to {
        return Err(ApiError::bad_request(format!(
            "deploymentYearFrom {from} is after deploymentYearTo {to}"
        )));
    }
    if from.checked_add(1.year()).is_ok_and(|limit| to > limit) {
        return Err(ApiError::bad_request(format!(
            "the period {from} to {to} is longer than one year"
        )));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> QueryPairs {
        QueryPairs::from_pairs(pairs)
    }

    #[test]
    fn window_defaults_and_limits() {
        let today = time::parse_day("2025-03-31").unwrap();
        let (from, to) = window(&query(&[]), today).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2025-02-28".into(), "2025-03-31".into())
        );
        let year = [
            ("deploymentYearFrom", "2024-03-31"),
            ("deploymentYearTo", "2025-03-31"),
        ];
        assert!(window(&query(&year), today).is_ok());
        let over = [
            ("deploymentYearFrom", "2024-03-30"),
            ("deploymentYearTo", "2025-03-31"),
        ];
        assert!(
            window(&query(&over), today)
                .unwrap_err()
                .message
                .contains("longer than one year")
        );
        let reversed = [("deploymentYearFrom", "2025-04-01")];
        assert!(window(&query(&reversed), today).is_err());
        let bad = [("deploymentYearTo", "2025-3-1")];
        assert!(window(&query(&bad), today).is_err());
    }
}

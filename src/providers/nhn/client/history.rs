//! Finding deployments in the history.
//!
//! The API has no "get deployment by key": the only way to learn how a deployment ended is
//! to search the server group's history, which is filtered by a window of calendar dates
//! (`yyyy-MM-dd`, at most a year) and whose order is not documented. The dates are those of
//! NHN's examples, Korean time (+09:00), so a deployment started at 23:59 KST on the 1st is
//! still running on the 2nd: the window runs from the day before the start to today, both
//! in KST. Within a window every page is read and the newest entry is picked by
//! `executeDate` (then `deployKey`), whatever order the pages come in.

use jiff::civil::Date;
use jiff::tz::{self, TimeZone};
use jiff::{Timestamp, ToSpan};

use super::endpoints::{artifact, history_call, history_items, history_query};
use super::{NhnClient, NhnError};
use crate::providers::nhn::wire::DeployHistory;

/// The newest deployments of a server group.
#[derive(Debug, Clone, Default)]
pub struct LatestDeployments {
    /// The newest entry of any status (`RUNNING` means a deployment is under way).
    pub latest: Option<DeployHistory>,
    /// The newest `SUCCESS` entry of the last year.
    pub latest_success: Option<DeployHistory>,
}

/// Korea Standard Time: +09:00, no daylight saving.
fn kst() -> TimeZone {
    TimeZone::fixed(tz::offset(9))
}

/// The calendar date of `at` in Korea.
pub(super) fn kst_date(at: Timestamp) -> Date {
    at.to_zoned(kst()).date()
}

/// The last day of the longest window the API accepts starting at `from`.
fn year_after(from: Date) -> Date {
    from.saturating_add(1.year()).saturating_sub(1.day())
}

/// The first day of the longest window the API accepts ending at `to`.
fn year_before(to: Date) -> Date {
    to.saturating_sub(1.year()).saturating_add(1.day())
}

/// The dates to search, as of `now`, for a deployment started at `started`: from the day
/// before the start to today (or to the start, should the clocks disagree), shortened to a
/// year if the start is older than that.
pub(super) fn deployment_window(started: Timestamp, now: Timestamp) -> (Date, Date) {
    let (start, today) = (kst_date(started), kst_date(now));
    let from = start.min(today).saturating_sub(1.day());
    let to = start.max(today).min(year_after(from));
    (from, to)
}

/// The windows searched for the newest deployments, as of `now`, newest first: the last
/// week, the rest of the last month, the rest of the last year. They do not overlap, so the
/// first window holding an entry holds the newest one.
pub(super) fn recent_windows(now: Timestamp) -> Vec<(Date, Date)> {
    let today = kst_date(now);
    let week = today.saturating_sub(6.days());
    let month = today.saturating_sub(30.days());
    vec![
        (week, today),
        (month, week.saturating_sub(1.day())),
        (year_before(today), month.saturating_sub(1.day())),
    ]
}

/// When a history entry ran: its `executeDate` (RFC 3339, or a bare date-time in KST).
pub fn executed_at(entry: &DeployHistory) -> Option<Timestamp> {
    let text = entry.execute_date.trim();
    text.parse::<Timestamp>().ok().or_else(|| {
        let civil = text
            .replace(' ', "T")
            .parse::<jiff::civil::DateTime>()
            .ok()?;
        civil.to_zoned(kst()).ok().map(|zoned| zoned.timestamp())
    })
}

/// Keeps the newer of `best` and `entry`.
fn keep_newest(best: &mut Option<DeployHistory>, entry: &DeployHistory) {
    let key = |e: &DeployHistory| (executed_at(e), e.deploy_key);
    if best.as_ref().is_none_or(|b| key(entry) > key(b)) {
        *best = Some(entry.clone());
    }
}

impl NhnClient {
    /// The history entry of deployment `deploy_key` of a server group, started at `started`
    /// (as the engine recorded it), or `None` if the history does not (yet) show it.
    pub async fn find_deployment(
        &self,
        artifact_id: i64,
        server_group_id: i64,
        deploy_key: i64,
        started: Timestamp,
    ) -> Result<Option<DeployHistory>, NhnError> {
        let (from, to) = deployment_window(started, Timestamp::now());
        let mut found = None;
        self.scan_history(artifact_id, server_group_id, from, to, |page| {
            found = page.into_iter().find(|e| e.deploy_key == deploy_key);
            found.is_some()
        })
        .await?;
        Ok(found)
    }

    /// The newest entry of a server group's history, and the newest `SUCCESS`, within the
    /// last year (the longest window the API allows). Reads recent windows first and stops
    /// at the first one that holds a success, so that usually one request suffices.
    pub async fn latest_deployments(
        &self,
        artifact_id: i64,
        server_group_id: i64,
    ) -> Result<LatestDeployments, NhnError> {
        let mut latest = LatestDeployments::default();
        for (from, to) in recent_windows(Timestamp::now()) {
            if from > to {
                continue;
            }
            let (mut newest, mut newest_success) = (None, None);
            self.scan_history(artifact_id, server_group_id, from, to, |page| {
                for entry in &page {
                    keep_newest(&mut newest, entry);
                    if entry.total_result.eq_ignore_ascii_case("SUCCESS") {
                        keep_newest(&mut newest_success, entry);
                    }
                }
                false
            })
            .await?;
            if latest.latest.is_none() {
                latest.latest = newest;
            }
            if newest_success.is_some() {
                latest.latest_success = newest_success;
                break;
            }
        }
        Ok(latest)
    }

    /// Hands the pages of a history window to `visit` until it returns true.
    async fn scan_history(
        &self,
        artifact_id: i64,
        server_group_id: i64,
        from: Date,
        to: Date,
        visit: impl FnMut(Vec<DeployHistory>) -> bool,
    ) -> Result<(), NhnError> {
        let call = history_call(artifact_id, server_group_id, from, to);
        let path = format!("{}/deploy-histories", artifact(artifact_id));
        let query = history_query(server_group_id, from, to);
        self.scan(&call, &path, query, history_items, visit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn the_window_spans_midnight_in_korea() {
        // 23:59 KST on 1 March, asked about at 00:01 KST on 2 March.
        let window = deployment_window(at("2025-03-01T14:59:00Z"), at("2025-03-01T15:01:00Z"));
        assert_eq!(window, (day("2025-02-28"), day("2025-03-02")));
        // 08:00 UTC on 1 March is already 17:00 KST: same KST day, window from the day before.
        let window = deployment_window(at("2025-03-01T08:00:00Z"), at("2025-03-01T08:05:00Z"));
        assert_eq!(window, (day("2025-02-28"), day("2025-03-01")));
        // 15:30 UTC on 28 February is 00:30 KST on 1 March.
        let window = deployment_window(at("2025-02-28T15:30:00Z"), at("2025-02-28T15:31:00Z"));
        assert_eq!(window, (day("2025-02-28"), day("2025-03-01")));
    }

    #[test]
    fn the_window_survives_skewed_clocks_and_old_starts() {
        // Started "tomorrow" by a fast clock: the window still reaches the start.
        let window = deployment_window(at("2025-03-02T01:00:00Z"), at("2025-03-01T01:00:00Z"));
        assert_eq!(window, (day("2025-02-28"), day("2025-03-02")));
        // Started two years ago: the window is cut to the year the API allows.
        let window = deployment_window(at("2023-06-10T03:00:00Z"), at("2025-06-10T03:00:00Z"));
        assert_eq!(window, (day("2023-06-09"), day("2024-06-08")));
    }

    #[test]
    fn recent_windows_cover_a_year_without_overlap() {
        let windows = recent_windows(at("2025-03-01T16:00:00Z")); // 2 March KST
        assert_eq!(
            windows,
            [
                (day("2025-02-24"), day("2025-03-02")),
                (day("2025-01-31"), day("2025-02-23")),
                (day("2024-03-03"), day("2025-01-30")),
            ]
        );
    }

    #[test]
    fn newest_is_by_execute_date_then_key() {
        let entry = |key: i64, date: &str| DeployHistory {
            deploy_key: key,
            scenario_name: String::new(),
            server_group_name: String::new(),
            server_group_id: 1,
            binary_version: String::new(),
            execute_date: date.into(),
            execute_user: String::new(),
            total_result: "SUCCESS".into(),
        };
        let mut best = None;
        for e in [
            entry(5, "2025-03-01T12:00:00+09:00"),
            entry(3, "2025-03-01T04:00:01Z"), // 13:00:01 KST: newest despite the lower key
            entry(4, "2025-03-01 13:00:00"),
            entry(9, "garbage"),
        ] {
            keep_newest(&mut best, &e);
        }
        assert_eq!(best.map(|b| b.deploy_key), Some(3));
    }
}

//! Finding deployments in the history: windows in Korean time, paging, the newest entry.

use jiff::{Timestamp, ToSpan};

use super::*;

/// `executeDate` `days` days before now, at `hour` KST.
fn kst_days_ago(days: i64, hour: i8) -> String {
    let now = Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)));
    let day = now.date().saturating_sub(days.days());
    day.at(hour, 0, 0, 0)
        .strftime("%Y-%m-%dT%H:%M:%S+09:00")
        .to_string()
}

fn entry(key: i64, group: i64, date: String, result: &str) -> Value {
    json!({"deployKey": key, "serverGroupId": group, "serverGroupName": "web", "scenarioName": "s",
           "binaryVersion": format!("v{key}"), "executeDate": date, "executeUser": "me", "totalResult": result})
}

fn kst_today() -> jiff::civil::Date {
    history_kst_date(Timestamp::now())
}

fn history_kst_date(at: Timestamp) -> jiff::civil::Date {
    at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)))
        .date()
}

#[tokio::test]
async fn find_deployment_searches_from_the_day_before_and_pages() {
    let (fake, base) = start().await;
    fake.page_cap.store(2, Ordering::SeqCst);
    {
        let mut histories = fake.histories.lock().unwrap();
        for key in 1..=5 {
            histories.push(entry(key, 7, kst_days_ago(0, 1), "SUCCESS"));
        }
        histories.push(entry(6, 8, kst_days_ago(0, 1), "RUNNING")); // another group
        histories.push(entry(9, 7, kst_days_ago(1, 23), "RUNNING"));
    }
    let nhn = client(&base);
    let found = nhn
        .find_deployment(101, 7, 9, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.deploy_key, found.total_result.as_str()),
        (9, "RUNNING")
    );
    let seen = fake.seen();
    assert_eq!(seen.len(), 3, "pages of 2: the entry is on the third");
    let today = kst_today();
    let yesterday = today.yesterday().unwrap();
    for s in &seen {
        assert_eq!(s.path, "/artifacts/101/deploy-histories");
        assert_eq!(s.query["serverGroupId"], "7");
        assert_eq!(
            s.query["deploymentYearFrom"],
            super::super::endpoints::ymd(yesterday)
        );
        assert_eq!(
            s.query["deploymentYearTo"],
            super::super::endpoints::ymd(today)
        );
    }
    assert!(
        nhn.find_deployment(101, 7, 6, Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn latest_deployments_picks_the_newest_success_in_any_order() {
    let (fake, base) = start().await;
    fake.page_cap.store(2, Ordering::SeqCst);
    *fake.histories.lock().unwrap() = vec![
        entry(41, 7, kst_days_ago(3, 10), "SUCCESS"), // higher key, older day
        entry(50, 7, kst_days_ago(0, 9), "RUNNING"),
        entry(40, 7, kst_days_ago(2, 10), "SUCCESS"),
        entry(45, 7, kst_days_ago(1, 10), "FAIL"),
        entry(60, 8, kst_days_ago(0, 11), "SUCCESS"), // another group
        entry(39, 7, kst_days_ago(20, 10), "SUCCESS"),
    ];
    let latest = client(&base).latest_deployments(101, 7).await.unwrap();
    assert_eq!(latest.latest.map(|e| e.deploy_key), Some(50));
    assert_eq!(latest.latest_success.map(|e| e.deploy_key), Some(40));
    // The last week held a success: no older window was read (2 pages of 2 for 4 entries).
    let windows: HashSet<_> = fake
        .seen()
        .iter()
        .map(|s| s.query["deploymentYearFrom"].clone())
        .collect();
    assert_eq!(windows.len(), 1);
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn latest_deployments_looks_back_up_to_a_year() {
    let (fake, base) = start().await;
    *fake.histories.lock().unwrap() = vec![
        entry(70, 7, kst_days_ago(12, 10), "FAIL"),
        entry(60, 7, kst_days_ago(200, 10), "SUCCESS"),
        entry(61, 7, kst_days_ago(190, 10), "FAIL"),
        entry(10, 7, kst_days_ago(400, 10), "SUCCESS"), // beyond the year
    ];
    let nhn = client(&base);
    let latest = nhn.latest_deployments(101, 7).await.unwrap();
    assert_eq!(latest.latest.map(|e| e.deploy_key), Some(70));
    assert_eq!(latest.latest_success.map(|e| e.deploy_key), Some(60));
    let seen = fake.seen();
    assert_eq!(seen.len(), 3, "three windows");
    let last = &seen[2].query;
    let from: jiff::civil::Date = last["deploymentYearFrom"].parse().unwrap();
    assert_eq!(
        from,
        kst_today().saturating_sub(1.year()).saturating_add(1.day())
    );

    // Nothing at all in the year: both empty.
    fake.histories.lock().unwrap().clear();
    let latest = nhn.latest_deployments(101, 7).await.unwrap();
    assert!(latest.latest.is_none() && latest.latest_success.is_none());
}

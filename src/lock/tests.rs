//! Acquire, wait, time out, stale records, paths, and the duration parser.
use super::*;

fn never_waits() -> impl FnMut(Option<&LockHolder>) {
    |_| panic!("on_wait must not be called")
}

fn scope<'a>(manifest: &'a Path, environment: Option<&'a str>) -> LockScope<'a> {
    LockScope {
        manifest,
        environment,
    }
}

/// A temporary folder with a manifest file in it; the state dir is `.deployplan/` inside.
fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("deployplan.yaml");
    std::fs::write(&manifest, "providers: {}\n").expect("write manifest");
    let state = dir.path().join(".deployplan");
    (dir, manifest, state)
}

/// Takes the lock without waiting, as `deployplan apply` would.
fn take(state: &Path, scope: &LockScope<'_>) -> ApplyLock {
    ApplyLock::acquire(
        state,
        scope,
        "deployplan apply",
        Duration::ZERO,
        &mut never_waits(),
    )
    .unwrap()
}

fn record(pid: u32) -> LockHolder {
    LockHolder {
        pid,
        host: "ci-7".into(),
        started_at: "2026-01-02T03:04:05Z".into(),
        command: "deployplan apply".into(),
        environment: Some("production".into()),
        manifest: "/repo/deployplan.yaml".into(),
        journal: None,
    }
}

#[test]
fn acquires_releases_and_acquires_again() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, Some("staging"));
    let lock = ApplyLock::acquire(
        &state,
        &scope,
        "deployplan apply",
        Duration::ZERO,
        &mut never_waits(),
    )
    .expect("first acquire");
    assert!(lock.path().starts_with(state.join("locks")));
    assert!(lock.previous_stale_holder().is_none());
    let written: LockHolder = serde_json::from_str(&std::fs::read_to_string(lock.path()).unwrap())
        .expect("holder record");
    assert_eq!(written.pid, std::process::id());
    assert_eq!(written.command, "deployplan apply");
    assert_eq!(written.environment.as_deref(), Some("staging"));
    assert!(
        written.started_at.parse::<jiff::Timestamp>().is_ok(),
        "{}",
        written.started_at
    );
    drop(lock);
    let again = ApplyLock::acquire(
        &state,
        &scope,
        "deployplan apply",
        Duration::ZERO,
        &mut never_waits(),
    )
    .expect("re-acquire after release");
    assert!(
        again.previous_stale_holder().is_none(),
        "an orderly release leaves no stale record"
    );
}

#[test]
fn a_second_acquire_on_another_handle_fails_naming_the_holder() {
    // flock-style locks belong to the open file description, so a second open in the same
    // process conflicts exactly as another process would.
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, Some("production"));
    let held = ApplyLock::acquire(
        &state,
        &scope,
        "deployplan apply plan.json",
        Duration::ZERO,
        &mut never_waits(),
    )
    .expect("first acquire");
    let err = ApplyLock::acquire(
        &state,
        &scope,
        "deployplan apply",
        Duration::ZERO,
        &mut never_waits(),
    )
    .expect_err("second acquire must fail");
    let LockError::Held {
        holder,
        path,
        waited,
        environment,
    } = &err
    else {
        panic!("expected Held, got {err:?}");
    };
    let holder = holder.as_ref().expect("holder record readable");
    assert_eq!(holder.pid, std::process::id());
    assert_eq!(holder.command, "deployplan apply plan.json");
    assert_eq!(path, held.path());
    assert_eq!(*waited, Duration::ZERO);
    assert_eq!(environment, "production");
    let message = err.to_string();
    assert!(
        message.starts_with("another apply holds the lock on environment `production` (pid "),
        "{message}"
    );
    assert!(
        message.contains("`deployplan apply plan.json`, since "),
        "{message}"
    );
    if cfg!(target_os = "linux") {
        assert!(message.contains(", still running;"), "{message}");
    }
    let help = miette::Diagnostic::help(&err).expect("help").to_string();
    assert!(help.contains("--lock-timeout 10m"), "{help}");
    assert!(help.contains(&held.path().display().to_string()), "{help}");
    let code = miette::Diagnostic::code(&err).expect("code").to_string();
    assert_eq!(code, "deployplan::lock::held");
}

#[test]
fn waits_until_the_holder_releases() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, None);
    let held = ApplyLock::acquire(&state, &scope, "first", Duration::ZERO, &mut never_waits())
        .expect("first acquire");
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        drop(held);
    });
    let mut waits = Vec::new();
    let started = Instant::now();
    let lock = ApplyLock::acquire(
        &state,
        &scope,
        "second",
        Duration::from_secs(10),
        &mut |holder| {
            waits.push(holder.map(|h| h.command.clone()));
        },
    )
    .expect("acquired after the first lock was dropped");
    releaser.join().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        waits,
        vec![Some("first".to_owned())],
        "on_wait is called exactly once"
    );
    assert!(lock.previous_stale_holder().is_none());
}

#[test]
fn gives_up_after_the_timeout() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, Some("production"));
    let _held =
        ApplyLock::acquire(&state, &scope, "first", Duration::ZERO, &mut never_waits()).unwrap();
    let mut calls = 0;
    let err = ApplyLock::acquire(
        &state,
        &scope,
        "second",
        Duration::from_millis(450),
        &mut |_| calls += 1,
    )
    .expect_err("still held");
    let LockError::Held { waited, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(*waited >= Duration::from_millis(450), "{waited:?}");
    assert_eq!(calls, 1);
    assert!(
        err.to_string()
            .contains("still holds the lock on environment `production` after waiting"),
        "{err}"
    );
}

#[test]
fn reports_the_record_of_a_holder_that_died() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, Some("production"));
    let path = ApplyLock::path_for(&state, &scope);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // A crashed holder: it wrote its record and held the lock, then its file was closed
    // (the OS released the lock) without the truncation of an orderly release.
    let crashed = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap();
    crashed.lock().unwrap();
    std::fs::write(&path, serde_json::to_string(&record(4242)).unwrap()).unwrap();
    drop(crashed);

    let lock = ApplyLock::acquire(
        &state,
        &scope,
        "deployplan apply",
        Duration::ZERO,
        &mut never_waits(),
    )
    .expect("a dead holder's lock is free");
    assert_eq!(lock.previous_stale_holder(), Some(&record(4242)));
    let now: LockHolder = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        now.pid,
        std::process::id(),
        "the stale record is replaced, not appended to"
    );
}

#[test]
fn lock_file_path_is_stable_and_per_scope() {
    let (dir, manifest, state) = fixture();
    let staging = ApplyLock::path_for(&state, &scope(&manifest, Some("staging")));
    assert_eq!(
        staging,
        ApplyLock::path_for(&state, &scope(&manifest, Some("staging")))
    );
    // The same manifest through another spelling of its path is the same scope.
    let dotted = dir.path().join(".").join("deployplan.yaml");
    assert_eq!(
        staging,
        ApplyLock::path_for(&state, &scope(&dotted, Some("staging")))
    );
    let production = ApplyLock::path_for(&state, &scope(&manifest, Some("production")));
    let default = ApplyLock::path_for(&state, &scope(&manifest, None));
    assert_ne!(staging, production);
    assert_ne!(staging, default);
    // The directory and the file in it are one manifest: one lock.
    assert_eq!(
        staging,
        ApplyLock::path_for(&state, &scope(dir.path(), Some("staging")))
    );
    assert_eq!(staging.file_name().unwrap(), "apply-staging.lock");
    assert_eq!(default.file_name().unwrap(), "apply-default.lock");
    let odd = ApplyLock::path_for(&state, &scope(&manifest, Some("../eu west")));
    assert_eq!(odd.parent(), Some(state.join("locks").as_path()));
}

#[test]
fn release_truncates_the_lock_file_and_keeps_it() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, None);
    let lock = take(&state, &scope);
    let path = lock.path().to_path_buf();
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
    drop(lock);
    assert_eq!(
        std::fs::metadata(&path)
            .expect("the lock file is never deleted")
            .len(),
        0
    );
}

#[test]
fn names_a_holder_pid_that_no_longer_runs_here() {
    let mut holder = record(u32::MAX);
    holder.host = host_name();
    let message = held_message(Some(&holder), "production", Duration::ZERO);
    if cfg!(target_os = "linux") {
        assert!(message.contains(", not running on this host"), "{message}");
    }
    holder.host = "another-machine".into();
    let message = held_message(Some(&holder), "production", Duration::ZERO);
    assert!(
        message.contains("(pid 4294967295 on host another-machine; `deployplan apply`"),
        "{message}"
    );
    let message = held_message(None, "production", Duration::from_secs(600));
    assert_eq!(
        message,
        "another apply still holds the lock on environment `production` after waiting 10m (the holder has not written a readable record)"
    );
}

#[test]
fn parses_lock_timeouts() {
    let ok = [
        ("0", Duration::ZERO),
        ("90", Duration::from_secs(90)),
        ("90s", Duration::from_secs(90)),
        ("5m", Duration::from_secs(300)),
        ("1h", Duration::from_secs(3600)),
        ("1h30m", Duration::from_secs(5400)),
        ("1m30s", Duration::from_secs(90)),
        ("500ms", Duration::from_millis(500)),
        ("1s500ms", Duration::from_millis(1500)),
        (" 10m ", Duration::from_secs(600)),
    ];
    for (text, expected) in ok {
        assert_eq!(parse_duration(text), Ok(expected), "{text}");
    }
    for text in [
        "",
        "m",
        "-5s",
        "5 m",
        "1.5h",
        "10x",
        "1h30",
        "30m1h",
        "5m5m",
        "99999999999999999999h",
    ] {
        let err = parse_duration(text).expect_err(text);
        assert!(err.starts_with("invalid duration"), "{text}: {err}");
    }
}

#[test]
fn formats_durations_for_messages() {
    assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
    assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
    assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
    for text in ["45s", "10m", "2h5m7s"] {
        assert_eq!(format_duration(parse_duration(text).unwrap()), text);
    }
}

#[test]
fn peek_sees_the_holder_and_its_journal_without_locking() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, Some("production"));
    assert_eq!(ApplyLock::peek(&state, &scope), None, "no lock file yet");
    let mut lock = take(&state, &scope);
    let seen = ApplyLock::peek(&state, &scope).expect("the holder's record");
    assert_eq!(seen.pid, std::process::id());
    assert_eq!(seen.journal, None);
    let journal = state.join("runs").join("20260102T030405Z-1.jsonl");
    lock.record_journal(&journal).unwrap();
    assert_eq!(
        ApplyLock::peek(&state, &scope).and_then(|h| h.journal),
        Some(journal)
    );
    // Peeking never took the lock: it can still be taken again only after release.
    drop(lock);
    assert_eq!(
        ApplyLock::peek(&state, &scope),
        None,
        "an orderly release leaves no record"
    );
}

#[test]
fn records_without_a_journal_still_parse() {
    let old =
        r#"{"pid":7,"host":"h","started_at":"t","command":"c","environment":null,"manifest":"m"}"#;
    let holder: LockHolder = serde_json::from_str(old).unwrap();
    assert_eq!(holder.journal, None);
}

/// Two applies started at the same instant: whichever loses must name the winner, never
/// "no readable record" — also when a dead holder's record is still in the file, which the
/// winner is about to replace (the loser must not report the dead one as the holder).
#[test]
fn the_loser_of_a_simultaneous_start_names_the_winner() {
    let (_dir, manifest, state) = fixture();
    let scope = scope(&manifest, Some("production"));
    for round in 0..300 {
        let dead = (round % 2 == 1).then(|| {
            let mut dead = record(4_000_000);
            dead.command = "deployplan apply (dead)".into();
            dead
        });
        if let Some(dead) = &dead {
            let path = ApplyLock::path_for(&state, &scope);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string(dead).unwrap()).unwrap();
        }
        let barrier = std::sync::Barrier::new(2);
        let outcomes: Vec<Result<ApplyLock, Box<LockError>>> = std::thread::scope(|threads| {
            let racers: Vec<_> = ["first", "second"]
                .into_iter()
                .map(|name| {
                    let (barrier, state, scope) = (&barrier, &state, &scope);
                    threads.spawn(move || {
                        barrier.wait();
                        ApplyLock::acquire(
                            state,
                            scope,
                            &format!("deployplan apply {name}"),
                            Duration::ZERO,
                            &mut never_waits(),
                        )
                        .map_err(Box::new)
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let winners: Vec<&ApplyLock> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one holder");
        let loser = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
        let LockError::Held { holder, .. } = &**loser else {
            panic!("round {round}: {loser}");
        };
        assert_eq!(
            holder.as_ref().map(|h| h.command.as_str()),
            Some(winners[0].holder.command.as_str()),
            "round {round}: the loser names the winner"
        );
    }
}

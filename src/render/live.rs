//! Apply progress on a terminal: a spinner per running change showing its latest step
//! ("deployment 4: inprogress"), an overall bar below them, and one permanent line per
//! finished change printed above. CI logs get [`super::progress::LineReporter`] instead.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::progress::verb;
use crate::engine::apply::{NodeStatus, Reporter};
use crate::model::{Address, Change};
use crate::redact::redact;

/// Draws live progress; secrets redacted like every other output.
pub struct LiveReporter {
    multi: MultiProgress,
    overall: ProgressBar,
    running: Mutex<HashMap<Address, (ProgressBar, Instant)>>,
}

impl LiveReporter {
    /// Progress on stderr for `total` changes.
    pub fn stderr(total: usize) -> Self {
        Self::with_target(total, ProgressDrawTarget::stderr())
    }

    /// Progress drawn to `target` (tests draw into an in-memory terminal).
    pub fn with_target(total: usize, target: ProgressDrawTarget) -> Self {
        let multi = MultiProgress::with_draw_target(target);
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} changes · {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("█▉▊▋▌▍▎▏ "),
        );
        overall.enable_steady_tick(Duration::from_millis(250));
        LiveReporter {
            multi,
            overall,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Removes the bars, leaving the finished lines; call once the apply is over.
    pub fn clear(&self) {
        for (bar, _) in self.lock().drain().map(|(_, v)| v) {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Address, (ProgressBar, Instant)>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn print(&self, line: &str) {
        let _ = self.multi.println(redact(line));
    }
}

impl Reporter for LiveReporter {
    fn started(&self, change: &Change) {
        let spinner = self
            .multi
            .insert_before(&self.overall, ProgressBar::new_spinner());
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {wide_msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_prefix(redact(change.address.as_str()).into_owned());
        spinner.set_message(format!("{}…", verb(change)));
        spinner.enable_steady_tick(Duration::from_millis(120));
        self.lock()
            .insert(change.address.clone(), (spinner, Instant::now()));
    }

    fn progress(&self, address: &Address, message: &str) {
        if let Some((spinner, _)) = self.lock().get(address) {
            spinner.set_message(redact(message).into_owned());
        }
    }

    fn finished(&self, change: &Change, status: &NodeStatus) {
        let took = match self.lock().remove(&change.address) {
            Some((spinner, since)) => {
                spinner.finish_and_clear();
                self.multi.remove(&spinner);
                format!(" [{:.1}s]", since.elapsed().as_secs_f32())
            }
            None => String::new(),
        };
        let address = &change.address;
        let line = match status {
            NodeStatus::Applied(message) => format!("✓ {address}: {message}{took}"),
            NodeStatus::Failed(message) => format!("✗ {address}: FAILED: {message}{took}"),
            NodeStatus::Skipped(reason) => format!("○ {address}: skipped: {reason}"),
            NodeStatus::NotStarted => format!("○ {address}: not started (interrupted)"),
        };
        self.print(&line);
        self.overall.inc(1);
    }
}

#[cfg(test)]
mod tests {
    use indicatif::InMemoryTerm;

    use super::*;
    use crate::model::Action;
    use crate::render::fixtures::change;

    #[test]
    fn finished_changes_stay_as_lines_and_running_ones_show_their_step() {
        let term = InMemoryTerm::new(20, 100);
        let live =
            LiveReporter::with_target(3, ProgressDrawTarget::term_like(Box::new(term.clone())));
        let project = change("ncp.project.shop", Action::Create, "", vec![]);
        let release = change("ncp.release.web", Action::Deploy, "", vec![]);
        let other = change("ncp.release.api", Action::Deploy, "", vec![]);
        live.started(&project);
        live.started(&release);
        live.finished(&project, &NodeStatus::Applied("created (id 1)".into()));
        live.progress(&release.address, "deployment 4: inprogress");
        live.multi.set_move_cursor(false);
        std::thread::sleep(Duration::from_millis(300));
        let screen = term.contents();
        assert!(
            screen.contains("✓ ncp.project.shop: created (id 1)"),
            "{screen}"
        );
        assert!(screen.contains("ncp.release.web"), "{screen}");
        assert!(screen.contains("deployment 4: inprogress"), "{screen}");
        assert!(screen.contains("1/3 changes"), "{screen}");

        live.finished(
            &release,
            &NodeStatus::Failed("ended with status `fail`".into()),
        );
        live.finished(
            &other,
            &NodeStatus::Skipped("`ncp.release.web` did not apply".into()),
        );
        live.clear();
        let screen = term.contents();
        assert!(
            screen.contains("✗ ncp.release.web: FAILED: ended with status `fail`"),
            "{screen}"
        );
        assert!(
            screen.contains("○ ncp.release.api: skipped: `ncp.release.web` did not apply"),
            "{screen}"
        );
        assert!(!screen.contains("changes ·"), "bars are cleared: {screen}");
    }

    #[test]
    fn secrets_never_reach_the_terminal() {
        crate::redact::register("live-s3cret-value");
        let term = InMemoryTerm::new(10, 100);
        let live =
            LiveReporter::with_target(1, ProgressDrawTarget::term_like(Box::new(term.clone())));
        let project = change("ncp.project.shop", Action::Update, "", vec![]);
        live.started(&project);
        live.progress(&project.address, "sent token=live-s3cret-value");
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            !term.contents().contains("live-s3cret-value"),
            "{}",
            term.contents()
        );
        live.finished(
            &project,
            &NodeStatus::Failed("rejected live-s3cret-value".into()),
        );
        live.clear();
        assert!(
            !term.contents().contains("live-s3cret-value"),
            "{}",
            term.contents()
        );
    }
}

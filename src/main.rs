use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match deployplan::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` print and succeed. Any usage error exits 1, never
            // clap's default 2: with `--detailed-exitcode`, 2 means "changes present", and
            // a CI job with a mistyped flag must fail, not report changes.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    deployplan::app::run(cli)
}

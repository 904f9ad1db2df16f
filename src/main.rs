use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = deployplan::cli::Cli::parse();
    deployplan::app::run(cli)
}

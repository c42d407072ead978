//! `cdop`: the command-line entry point. Parses arguments, loads configuration and hands over to
//! the library; every command lives in `src/cli/`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cdop::cli::Cli::parse();
    cdop::cli::run(cli)
}

//! The `finsam` command: parses arguments, calls the library, maps the outcome to an
//! exit code. Exit codes: 0 done, 1 invalid input (findings, bad values), 2 usage
//! (unknown flags), 3 internal failure.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    finsam::guard::install_quiet_hook();
    cli::exit_quietly_on_broken_pipe();
    let args = cli::parse();
    match cli::run(args) {
        Ok(code) => code.into(),
        Err(error) => {
            if cli::is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("finsam: {}", cli::chain(&error));
            cli::exit_code_for(&error).into()
        }
    }
}

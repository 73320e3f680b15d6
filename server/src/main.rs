//! `intercomunicacion`: serves the portal (the default) and carries the operator's commands.

fn main() -> std::process::ExitCode {
    servidor::cli::ejecutar()
}

//! What kind of failure an error is, and how it reads on one line.
//!
//! A leaf module: every stage's error type says its own [`Kind`] here, by a match with
//! no wildcard, so a new variant cannot be added without deciding what it is; the
//! crate's [`crate::Error`] delegates, and the command's exit code follows from the kind.

/// Who can do something about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The input is wrong (a rejected submission, a bad query, a wrong key, a missing
    /// dataset): the user fixes the data or the files.
    InvalidInput,
    /// The command line is wrong (an option missing, two that do not go together).
    Usage,
    /// Not the user's doing: I/O, a broken environment, a bug, an unreachable server.
    Internal,
}

/// The kind of a failure to read or write a file the user named (`--queries`, `-f`,
/// `--out`): one that is not there, or not theirs to read, is theirs to fix.
pub fn of_user_file(error: &std::io::Error) -> Kind {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound
        | ErrorKind::PermissionDenied
        | ErrorKind::AlreadyExists
        | ErrorKind::NotADirectory
        | ErrorKind::IsADirectory
        | ErrorKind::InvalidData => Kind::InvalidInput,
        _ => Kind::Internal,
    }
}

/// `first` and then each cause in `source`'s chain not already said, on one line.
pub fn one_line(first: String, mut source: Option<&(dyn std::error::Error + 'static)>) -> String {
    let mut parts = vec![first];
    while let Some(cause) = source {
        let text = cause.to_string();
        // Said already, or said again behind a library's prefix ("External error: …").
        if !parts
            .iter()
            .any(|p| p.contains(&text) || text.ends_with(p.as_str()))
        {
            parts.push(text);
        }
        source = cause.source();
    }
    // A path or a value in an error (a file named by a personnummer) is shown redacted.
    crate::personnummer::redact_numbers(&parts.join(": ")).into_owned()
}

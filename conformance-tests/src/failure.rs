//! What a failed check reports.

use std::fmt;

/// The result of one check: `Ok(())` when the property holds.
pub type Outcome = Result<(), Failure>;

/// Why a check failed: what was expected, what came instead, and where (stream, action, record,
/// field), in words a connector author can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    message: String,
}

/// How many problems a failure lists before it summarises the rest.
const SHOWN: usize = 20;

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `Ok` when `problems` is empty; otherwise one failure: `summary`, then one problem a line.
    pub(crate) fn from_problems(summary: impl fmt::Display, problems: Vec<String>) -> Outcome {
        if problems.is_empty() {
            return Ok(());
        }
        let mut message = format!("{summary} ({} problem(s)):", problems.len());
        for p in problems.iter().take(SHOWN) {
            message.push_str("\n  - ");
            message.push_str(p);
        }
        if problems.len() > SHOWN {
            message.push_str(&format!("\n  ... and {} more", problems.len() - SHOWN));
        }
        Err(Failure::new(message))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Returns a [`Failure`] built with `format!`.
macro_rules! fail {
    ($($t:tt)*) => {
        return Err($crate::failure::Failure::new(format!($($t)*)))
    };
}

/// Fails with a `format!` message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($t:tt)*) => {
        if !$cond {
            return Err($crate::failure::Failure::new(format!($($t)*)));
        }
    };
}

pub(crate) use {ensure, fail};

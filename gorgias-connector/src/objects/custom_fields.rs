//! PLACEHOLDER: being written (see objects/tickets.rs for the pattern).

use crate::action::ActionDecl;
use crate::list::StreamDecl;

/// Streams of this object.
pub fn streams() -> Vec<StreamDecl> {
    Vec::new()
}

/// Actions of this object.
pub fn actions() -> Vec<ActionDecl> {
    Vec::new()
}

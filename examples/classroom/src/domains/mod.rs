//! The classroom's domain modules, each a derived resource with its rules.

pub mod assignments;
pub mod guardians;
pub mod subtasks;

use std::fmt;
use std::sync::Arc;

/// Why a permission string is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PermissionError {
    /// Not 2 or 3 `:`-separated parts.
    #[error("permission `{0}` must be `resource:action` or `resource:action:scope` (or `*`)")]
    Shape(String),
    /// A part is empty or has characters other than `A-Za-z0-9_-` (or is a misplaced `*`).
    #[error("permission `{0}` has an empty or invalid part")]
    Part(String),
}

/// One grant: `resource:action[:scope]`, with `*` wildcards for resource and action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Permission {
    resource: Option<Box<str>>,
    action: Option<Box<str>>,
    scope: Option<Arc<str>>,
}

fn valid_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Permission {
    /// Parses `*`, `resource:*`, `resource:action` or `resource:action:scope`.
    pub fn parse(text: &str) -> Result<Self, PermissionError> {
        if text == "*" {
            return Ok(Self {
                resource: None,
                action: None,
                scope: None,
            });
        }
        let parts: Vec<&str> = text.split(':').collect();
        let (resource, action, scope) = match parts.as_slice() {
            [r, a] => (*r, *a, None),
            [r, a, s] => (*r, *a, Some(*s)),
            _ => return Err(PermissionError::Shape(text.to_owned())),
        };
        let wild = |part: &str| -> Result<Option<Box<str>>, PermissionError> {
            match part {
                "*" => Ok(None),
                word if valid_word(word) => Ok(Some(word.into())),
                _ => Err(PermissionError::Part(text.to_owned())),
            }
        };
        let scope = match scope {
            None => None,
            Some(s) if valid_word(s) => Some(Arc::from(s)),
            Some(_) => return Err(PermissionError::Part(text.to_owned())),
        };
        Ok(Self {
            resource: wild(resource)?,
            action: wild(action)?,
            scope,
        })
    }

    /// Whether this grant covers `action` on `resource` (ignoring scope).
    pub fn covers(&self, resource: &str, action: &str) -> bool {
        self.resource.as_deref().is_none_or(|r| r == resource)
            && self.action.as_deref().is_none_or(|a| a == action)
    }

    /// The scope that limits this grant (`own`, `child`, …), if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The scope as a shared string (cloning it does not allocate).
    pub fn shared_scope(&self) -> Option<&Arc<str>> {
        self.scope.as_ref()
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.resource.is_none() && self.action.is_none() && self.scope.is_none() {
            return f.write_str("*");
        }
        write!(
            f,
            "{}:{}",
            self.resource.as_deref().unwrap_or("*"),
            self.action.as_deref().unwrap_or("*")
        )?;
        if let Some(scope) = &self.scope {
            write!(f, ":{scope}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Permission {
    type Err = PermissionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_every_form() {
        for text in [
            "*",
            "assignments:*",
            "assignments:read",
            "subtasks:update:own",
            "*:read",
        ] {
            assert_eq!(Permission::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn wildcards_cover_what_they_say() {
        let any = Permission::parse("*").unwrap();
        assert!(any.covers("x", "y"));
        let all_actions = Permission::parse("assignments:*").unwrap();
        assert!(all_actions.covers("assignments", "delete"));
        assert!(!all_actions.covers("subtasks", "read"));
        let exact = Permission::parse("assignments:read:own").unwrap();
        assert!(exact.covers("assignments", "read") && !exact.covers("assignments", "update"));
        assert_eq!(exact.scope(), Some("own"));
    }

    #[test]
    fn malformed_permissions_are_rejected() {
        for bad in [
            "",
            "assignments",
            "a:b:c:d",
            "a::b",
            "a:b:",
            "a b:read",
            "a:read:*",
            "a:re*d",
        ] {
            assert!(Permission::parse(bad).is_err(), "{bad:?}");
        }
    }
}

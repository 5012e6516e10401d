use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::Permission;

/// What a role may do with one action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access<'a> {
    /// No grant covers it: 403.
    Denied,
    /// Allowed only on rows the named scope selects (`own`, `child`, …).
    Scoped(&'a str),
    /// Allowed on every row.
    All,
}

/// An owned [`Access`], for extractors that outlive the policy borrow. Cloning
/// the scope is a reference-count increment, never an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// No grant covers it.
    Denied,
    /// Allowed on the rows the named scope selects.
    Scoped(std::sync::Arc<str>),
    /// Allowed on every row.
    All,
}

impl Grant {
    /// The scope limiting this grant, if any.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Self::Scoped(scope) => Some(scope),
            _ => None,
        }
    }
}

impl Access<'_> {
    /// Whether any access is granted.
    pub fn is_allowed(&self) -> bool {
        !matches!(self, Self::Denied)
    }
}

/// Why a policy could not be built: every problem, one sentence each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RBAC policy:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct PolicyError {
    /// One readable sentence per problem.
    pub problems: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleDef {
    #[serde(default)]
    inherits: Vec<String>,
    #[serde(default)]
    permissions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    roles: BTreeMap<String, RoleDef>,
}

/// Roles and their permissions, inheritance already flattened.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    roles: HashMap<Box<str>, Vec<Permission>>,
}

impl Policy {
    /// A builder for a policy written in code.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Parses and validates a TOML policy:
    ///
    /// ```toml
    /// [roles.teacher]
    /// inherits = ["student"]
    /// permissions = ["assignments:read", "assignments:create"]
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError {
            problems: vec![e.message().trim().to_owned()],
        })?;
        let mut builder = Self::builder();
        for (name, def) in file.roles {
            builder.roles.insert(name, def);
        }
        builder.build()
    }

    /// What `role` may do: `action` on `resource`. Unscoped grants win over
    /// scoped ones; among scoped grants the first listed (own before inherited)
    /// is returned. Allocates nothing.
    pub fn check(&self, role: &str, resource: &str, action: &str) -> Access<'_> {
        let Some(grants) = self.roles.get(role) else {
            return Access::Denied;
        };
        let mut scoped = None;
        for grant in grants.iter().filter(|g| g.covers(resource, action)) {
            match grant.scope() {
                None => return Access::All,
                Some(scope) => {
                    scoped.get_or_insert(scope);
                }
            }
        }
        scoped.map_or(Access::Denied, Access::Scoped)
    }

    /// [`Policy::check`] as an owned [`Grant`].
    pub fn grant(&self, role: &str, resource: &str, action: &str) -> Grant {
        let Some(grants) = self.roles.get(role) else {
            return Grant::Denied;
        };
        let mut scoped = None;
        for grant in grants.iter().filter(|g| g.covers(resource, action)) {
            match grant.shared_scope() {
                None => return Grant::All,
                Some(scope) => {
                    scoped.get_or_insert(scope);
                }
            }
        }
        scoped.map_or(Grant::Denied, |s| Grant::Scoped(s.clone()))
    }

    /// Every scope name any grant uses (for start-up validation of scope hooks).
    pub fn scopes(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .roles
            .values()
            .flatten()
            .filter_map(Permission::scope)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Whether the policy defines `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains_key(role)
    }

    /// Every role name, sorted.
    pub fn roles(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.roles.keys().map(|k| &**k).collect();
        names.sort_unstable();
        names
    }

    /// The flattened grants of `role` (its own first, then inherited ones).
    pub fn permissions(&self, role: &str) -> &[Permission] {
        self.roles.get(role).map_or(&[], Vec::as_slice)
    }
}

/// Builds a [`Policy`] in code.
///
/// ```
/// let policy = strata::rbac::Policy::builder()
///     .role("student", ["assignments:read:own"])
///     .role("teacher", ["assignments:*"])
///     .inherits("teacher", ["student"])
///     .build()?;
/// assert!(policy.check("teacher", "assignments", "delete").is_allowed());
/// # Ok::<(), strata::rbac::PolicyError>(())
/// ```
#[derive(Debug, Default)]
pub struct PolicyBuilder {
    roles: BTreeMap<String, RoleDef>,
}

impl PolicyBuilder {
    /// Adds `permissions` to `role` (creating it).
    pub fn role<I, S>(mut self, role: &str, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let def = self.roles.entry(role.to_owned()).or_default();
        def.permissions
            .extend(permissions.into_iter().map(Into::into));
        self
    }

    /// Makes `role` inherit every permission of `parents` (creating `role`).
    pub fn inherits<I, S>(mut self, role: &str, parents: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let def = self.roles.entry(role.to_owned()).or_default();
        def.inherits.extend(parents.into_iter().map(Into::into));
        self
    }

    /// Validates and flattens the policy.
    pub fn build(self) -> Result<Policy, PolicyError> {
        let mut problems = Vec::new();
        let mut parsed: BTreeMap<&str, Vec<Permission>> = BTreeMap::new();
        for (name, def) in &self.roles {
            let mut grants = Vec::new();
            for text in &def.permissions {
                match Permission::parse(text) {
                    Ok(p) => grants.push(p),
                    Err(e) => problems.push(format!("role `{name}`: {e}")),
                }
            }
            for parent in &def.inherits {
                if !self.roles.contains_key(parent) {
                    problems.push(format!("role `{name}` inherits unknown role `{parent}`"));
                }
            }
            parsed.insert(name, grants);
        }
        let mut roles = HashMap::new();
        for name in self.roles.keys() {
            let mut flat = Vec::new();
            let mut path = Vec::new();
            if let Err(cycle) = flatten(name, &self.roles, &parsed, &mut path, &mut flat) {
                problems.push(cycle);
                continue;
            }
            let mut seen = std::collections::HashSet::new();
            flat.retain(|p: &Permission| seen.insert(p.clone()));
            roles.insert(name.as_str().into(), flat);
        }
        problems.sort();
        problems.dedup();
        if problems.is_empty() {
            Ok(Policy { roles })
        } else {
            Err(PolicyError { problems })
        }
    }
}

fn flatten<'a>(
    name: &'a str,
    defs: &'a BTreeMap<String, RoleDef>,
    parsed: &BTreeMap<&str, Vec<Permission>>,
    path: &mut Vec<&'a str>,
    out: &mut Vec<Permission>,
) -> Result<(), String> {
    if path.contains(&name) {
        path.push(name);
        return Err(format!("roles inherit in a cycle: {}", path.join(" → ")));
    }
    let Some(def) = defs.get(name) else {
        return Ok(()); // reported as an unknown role already
    };
    path.push(name);
    out.extend(parsed.get(name).into_iter().flatten().cloned());
    for parent in &def.inherits {
        flatten(parent, defs, parsed, path, out)?;
    }
    path.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSROOM: &str = r#"
        [roles.student]
        permissions = ["assignments:read:own", "subtasks:*:own"]
        [roles.guardian]
        permissions = ["assignments:read:child"]
        [roles.teacher]
        inherits = ["student"]
        permissions = ["assignments:read", "assignments:create", "assignments:update", "guardians:create"]
        [roles.admin]
        permissions = ["*"]
    "#;

    #[test]
    fn inherited_and_wildcard_permissions() {
        let policy = Policy::from_toml(CLASSROOM).unwrap();
        assert_eq!(
            policy.check("student", "subtasks", "delete"),
            Access::Scoped("own")
        );
        assert_eq!(
            policy.check("teacher", "subtasks", "update"),
            Access::Scoped("own")
        );
        assert_eq!(
            policy.check("teacher", "assignments", "read"),
            Access::All,
            "unscoped wins"
        );
        assert_eq!(
            policy.check("guardian", "assignments", "read"),
            Access::Scoped("child")
        );
        assert_eq!(
            policy.check("guardian", "assignments", "update"),
            Access::Denied
        );
        assert_eq!(policy.check("admin", "users", "update"), Access::All);
        assert_eq!(
            policy.check("nobody", "assignments", "read"),
            Access::Denied
        );
        assert_eq!(policy.roles(), ["admin", "guardian", "student", "teacher"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let err = Policy::from_toml(
            r#"
            [roles.a]
            inherits = ["b", "ghost"]
            permissions = ["bad"]
            [roles.b]
            inherits = ["a"]
            "#,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown role `ghost`"), "{text}");
        assert!(text.contains("cycle"), "{text}");
        assert!(text.contains("`bad`"), "{text}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        let err = Policy::from_toml("[roles.a]\npermisions = []\n").unwrap_err();
        assert!(err.problems[0].contains("permisions"), "{err}");
    }
}

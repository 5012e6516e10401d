//! Names given on the command line: validation and the case forms templates use.

use heck::{ToKebabCase, ToLowerCamelCase, ToPascalCase, ToSnakeCase};

use crate::error::CliError;

/// Rust's strict and reserved keywords (2024 edition), which cannot name a
/// module, a type or a field.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Names a resource or job cannot take: they clash with Strata's own routes,
/// tables and modules, or with names every app already uses.
const RESERVED: &[&str] = &[
    "app",
    "auth",
    "user",
    "users",
    "audit",
    "event",
    "events",
    "health",
    "metrics",
    "docs",
    "openapi",
    "refresh_token",
    "refresh_tokens",
    "domain",
    "domains",
    "job",
    "jobs",
    "test",
    "tests",
    "config",
    "strata",
    "migration",
    "migrations",
    "main",
    "lib",
    "std",
    "core",
    "alloc",
    "mod",
    "common",
    "fixtures",
];

/// Whether `word` is a Rust keyword.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// A validated type name (`BlogPost`) and its forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// `BlogPost`
    pub pascal: String,
    /// `blog_post`
    pub snake: String,
    /// `blog_posts`
    pub snake_plural: String,
    /// `blog-posts`
    pub kebab_plural: String,
    /// `blog post`
    pub words: String,
}

impl Name {
    /// Checks a resource or job name: ASCII letters and digits, starting with a
    /// letter, not a keyword nor a reserved name in any of its forms.
    pub fn parse(raw: &str) -> Result<Self, CliError> {
        let refuse = |reason: &str| CliError::InvalidName {
            name: raw.to_owned(),
            reason: reason.to_owned(),
        };
        if raw.is_empty() {
            return Err(refuse("a name cannot be empty"));
        }
        if !raw.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(refuse("it must start with a letter"));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(refuse(
                "use ASCII letters, digits and `_` only (e.g. `BlogPost`)",
            ));
        }
        let pascal = raw.to_pascal_case();
        let snake = raw.to_snake_case();
        let snake_plural = plural(&snake);
        for form in [raw, pascal.as_str(), snake.as_str(), snake_plural.as_str()] {
            if is_keyword(form) {
                return Err(refuse(&format!("`{form}` is a Rust keyword")));
            }
            if RESERVED.contains(&form) {
                return Err(refuse(&format!(
                    "`{form}` is reserved (Strata or every app already uses it)"
                )));
            }
        }
        Ok(Self {
            kebab_plural: snake_plural.to_kebab_case(),
            words: snake.replace('_', " "),
            pascal,
            snake,
            snake_plural,
        })
    }
}

/// Checks a field name: snake_case ASCII, not a keyword.
pub fn field_name(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("the field name is empty".into());
    }
    if !raw.starts_with(|c: char| c.is_ascii_lowercase())
        || !raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "field names are snake_case (lowercase letters, digits, `_`), e.g. `{}`",
            raw.to_snake_case()
        ));
    }
    if is_keyword(raw) {
        return Err(format!("`{raw}` is a Rust keyword"));
    }
    Ok(raw.to_owned())
}

/// `blog_post` → `Blog Post`.
pub fn title_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_pascal_case())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The camelCase JSON key of a snake_case field.
pub fn api_name(snake: &str) -> String {
    snake.to_lower_camel_case()
}

/// The English plural of a snake_case word (its last segment): `post` → `posts`,
/// `category` → `categories`, `box` → `boxes`, `person` → `people`.
pub fn plural(snake: &str) -> String {
    let (head, last) = match snake.rsplit_once('_') {
        Some((head, last)) => (format!("{head}_"), last),
        None => (String::new(), snake),
    };
    const IRREGULAR: &[(&str, &str)] = &[
        ("person", "people"),
        ("child", "children"),
        ("man", "men"),
        ("woman", "women"),
        ("mouse", "mice"),
        ("goose", "geese"),
        ("foot", "feet"),
        ("tooth", "teeth"),
    ];
    let last_plural = if let Some((_, p)) = IRREGULAR.iter().find(|(s, _)| *s == last) {
        (*p).to_owned()
    } else if last.ends_with('s')
        || last.ends_with('x')
        || last.ends_with('z')
        || last.ends_with("ch")
        || last.ends_with("sh")
    {
        format!("{last}es")
    } else if let Some(stem) = last.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{last}s")
    };
    format!("{head}{last_plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_a_name() {
        let name = Name::parse("BlogPost").unwrap();
        assert_eq!(name.pascal, "BlogPost");
        assert_eq!(name.snake, "blog_post");
        assert_eq!(name.snake_plural, "blog_posts");
        assert_eq!(name.kebab_plural, "blog-posts");
        assert_eq!(name.words, "blog post");
        assert_eq!(Name::parse("blog_post").unwrap().pascal, "BlogPost");
    }

    #[test]
    fn plurals() {
        for (one, many) in [
            ("post", "posts"),
            ("category", "categories"),
            ("day", "days"),
            ("box", "boxes"),
            ("address", "addresses"),
            ("branch", "branches"),
            ("person", "people"),
            ("line_item", "line_items"),
            ("blog_category", "blog_categories"),
        ] {
            assert_eq!(plural(one), many);
        }
    }

    #[test]
    fn refuses_keywords_reserved_and_bad_characters() {
        for bad in [
            "",
            "1Post",
            "Blog-Post",
            "Blög",
            "Type",
            "type",
            "fn",
            "User",
            "Users",
            "Event",
            "Self",
            "Crate",
        ] {
            let err = Name::parse(bad).unwrap_err();
            assert!(matches!(err, CliError::InvalidName { .. }), "{bad}: {err}");
        }
        let err = Name::parse("Type").unwrap_err().to_string();
        assert_eq!(err, "invalid name `Type`: `type` is a Rust keyword");
        let err = Name::parse("Users").unwrap_err().to_string();
        assert!(err.contains("reserved"), "{err}");
    }

    #[test]
    fn field_names() {
        assert_eq!(field_name("due_date").unwrap(), "due_date");
        assert!(field_name("DueDate").unwrap_err().contains("due_date"));
        assert!(field_name("type").unwrap_err().contains("keyword"));
        assert!(field_name("").is_err());
        assert_eq!(api_name("due_date"), "dueDate");
    }
}

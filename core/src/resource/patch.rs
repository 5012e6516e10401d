use serde::{Deserialize, Deserializer};

/// Deserialises a PATCH field so that absent and `null` differ: use with
/// `#[serde(default, deserialize_with = "strata::resource::double_option")]` on an
/// `Option<Option<T>>` field. Absent → `None` (leave as is), `null` →
/// `Some(None)` (clear), a value → `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Deserialises a PATCH field of a non-nullable column: use with
/// `#[serde(default, deserialize_with = "strata::resource::non_null")]` on an
/// `Option<T>` field. Absent → `None` (leave as is), a value → `Some(v)`, and
/// `null` is a type error (400), never silently "leave as is".
pub fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::double_option")]
        note: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let parse = |s: &str| serde_json::from_str::<Body>(s).unwrap().note;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"note": null}"#), Some(None));
        assert_eq!(parse(r#"{"note": "x"}"#), Some(Some("x".into())));
    }

    #[derive(Deserialize)]
    struct Required {
        #[serde(default, deserialize_with = "super::non_null")]
        title: Option<String>,
    }

    #[test]
    fn null_is_not_absent_for_a_non_nullable_field() {
        let parse = |s: &str| serde_json::from_str::<Required>(s).map(|b| b.title);
        assert_eq!(parse("{}").unwrap(), None);
        assert_eq!(parse(r#"{"title": "x"}"#).unwrap(), Some("x".into()));
        let err = parse(r#"{"title": null}"#).unwrap_err().to_string();
        assert!(err.contains("invalid type: null"), "{err}");
    }
}

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
}

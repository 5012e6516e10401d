//! Typed values parsed from query strings and cursors.

use std::fmt;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::FieldType;

/// A typed value parsed from the query string or a cursor.
///
/// `Enum` and `Json` fields produce [`Value::String`]. [`Value::Null`] only
/// appears in cursors (a nullable sort column); filters express null with
/// `isNull`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (also enum variants and JSON compared as text).
    String(String),
    /// A signed 64-bit integer.
    Int(i64),
    /// A finite float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A UUID.
    Uuid(uuid::Uuid),
    /// A calendar date.
    Date(NaiveDate),
    /// A UTC timestamp.
    DateTime(DateTime<Utc>),
    /// SQL `NULL` (cursors over nullable sort columns only).
    Null,
}

/// Why a text could not be read as a value of a field's type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The text is not of the expected type; the payload names the type.
    #[error("expected {0}")]
    Expected(&'static str),
    /// The text is not one of the enum's variants.
    #[error("expected one of: {0}")]
    NotAVariant(String),
}

impl Value {
    /// Parses `text` as a value of type `ty`.
    ///
    /// Dates are `YYYY-MM-DD`; timestamps are RFC 3339 or a bare date (midnight
    /// UTC); floats must be finite; booleans are exactly `true` or `false`.
    pub fn parse(text: &str, ty: FieldType) -> Result<Self, ValueError> {
        match ty {
            FieldType::String | FieldType::Json => Ok(Self::String(text.to_owned())),
            FieldType::Enum(variants) => {
                if variants.contains(&text) {
                    Ok(Self::String(text.to_owned()))
                } else {
                    Err(ValueError::NotAVariant(variants.join(", ")))
                }
            }
            FieldType::Int => text
                .parse::<i64>()
                .map(Self::Int)
                .map_err(|_| ValueError::Expected("an integer")),
            FieldType::Float => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Self::Float(f)),
                _ => Err(ValueError::Expected("a finite number")),
            },
            FieldType::Bool => match text {
                "true" => Ok(Self::Bool(true)),
                "false" => Ok(Self::Bool(false)),
                _ => Err(ValueError::Expected("true or false")),
            },
            FieldType::Uuid => uuid::Uuid::parse_str(text)
                .map(Self::Uuid)
                .map_err(|_| ValueError::Expected("a UUID")),
            FieldType::Date => parse_date(text)
                .map(Self::Date)
                .ok_or(ValueError::Expected("a date (YYYY-MM-DD)")),
            FieldType::DateTime => parse_date_time(text)
                .map(Self::DateTime)
                .ok_or(ValueError::Expected("an RFC 3339 timestamp or a date")),
        }
    }

    /// Whether this value may stand for a field of type `ty` (in a cursor).
    /// `Null` matches every type.
    pub fn matches(&self, ty: FieldType) -> bool {
        match (self, ty) {
            (Self::Null, _) => true,
            (Self::String(_), FieldType::String | FieldType::Json) => true,
            (Self::String(s), FieldType::Enum(variants)) => variants.contains(&s.as_str()),
            (Self::Int(_), FieldType::Int)
            | (Self::Bool(_), FieldType::Bool)
            | (Self::Uuid(_), FieldType::Uuid)
            | (Self::Date(_), FieldType::Date)
            | (Self::DateTime(_), FieldType::DateTime) => true,
            (Self::Float(f), FieldType::Float) => f.is_finite(),
            _ => false,
        }
    }

    /// A one-letter tag naming the variant, used in the cursor payload.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            Self::String(_) => "s",
            Self::Int(_) => "i",
            Self::Float(_) => "f",
            Self::Bool(_) => "b",
            Self::Uuid(_) => "u",
            Self::Date(_) => "d",
            Self::DateTime(_) => "t",
            Self::Null => "n",
        }
    }

    /// Rebuilds a value from its [`tag`](Self::tag) and its rendered text.
    pub(crate) fn from_tagged(tag: &str, text: &str) -> Option<Self> {
        let ty = match tag {
            "s" => FieldType::String,
            "i" => FieldType::Int,
            "f" => FieldType::Float,
            "b" => FieldType::Bool,
            "u" => FieldType::Uuid,
            "d" => FieldType::Date,
            "t" => FieldType::DateTime,
            "n" if text.is_empty() => return Some(Self::Null),
            _ => return None,
        };
        Self::parse(text, ty).ok()
    }
}

/// Renders the value the way [`Value::parse`] reads it back: `Null` is empty,
/// floats use the shortest exact form, timestamps RFC 3339 in UTC with `Z`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(s),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Uuid(u) => write!(f, "{}", u.hyphenated()),
            Self::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Self::DateTime(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Self::Null => Ok(()),
        }
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    // chrono's `%Y` also takes signs and more than four digits; the grammar does not.
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    parse_date(text)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: FieldType = FieldType::Enum(&["open", "done"]);

    #[test]
    fn parses_each_type() {
        assert_eq!(
            Value::parse("x y", FieldType::String),
            Ok(Value::String("x y".into()))
        );
        assert_eq!(
            Value::parse("{\"a\":1}", FieldType::Json),
            Ok(Value::String("{\"a\":1}".into()))
        );
        assert_eq!(Value::parse("-42", FieldType::Int), Ok(Value::Int(-42)));
        assert_eq!(Value::parse("1.5", FieldType::Float), Ok(Value::Float(1.5)));
        assert_eq!(Value::parse("true", FieldType::Bool), Ok(Value::Bool(true)));
        assert_eq!(
            Value::parse("false", FieldType::Bool),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            Value::parse("open", STATUS),
            Ok(Value::String("open".into()))
        );
        let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        assert_eq!(
            Value::parse(id, FieldType::Uuid).map(|v| v.to_string()),
            Ok(id.to_owned())
        );
        assert_eq!(
            Value::parse("2024-02-29", FieldType::Date),
            Ok(Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()))
        );
    }

    #[test]
    fn timestamps_take_rfc3339_or_a_bare_date() {
        let t = Value::parse("2024-03-01T10:00:00+02:00", FieldType::DateTime).unwrap();
        assert_eq!(t.to_string(), "2024-03-01T08:00:00Z");
        let d = Value::parse("2024-03-01", FieldType::DateTime).unwrap();
        assert_eq!(d.to_string(), "2024-03-01T00:00:00Z");
        let frac = Value::parse("2024-03-01T00:00:00.123Z", FieldType::DateTime).unwrap();
        assert_eq!(frac.to_string(), "2024-03-01T00:00:00.123Z");
    }

    #[test]
    fn rejects_bad_values() {
        let bad: &[(&str, FieldType)] = &[
            ("1.5", FieldType::Int),
            ("99999999999999999999", FieldType::Int),
            ("NaN", FieldType::Float),
            ("inf", FieldType::Float),
            ("1e999", FieldType::Float),
            ("TRUE", FieldType::Bool),
            ("1", FieldType::Bool),
            ("not-a-uuid", FieldType::Uuid),
            ("2024-02-30", FieldType::Date),
            ("+2024-01-01", FieldType::Date),
            ("24-1-1", FieldType::Date),
            ("2024-01-01T25:00:00Z", FieldType::DateTime),
            ("yesterday", FieldType::DateTime),
            ("OPEN", STATUS),
            ("' OR 1=1 --", FieldType::Int),
        ];
        for (text, ty) in bad {
            assert!(Value::parse(text, *ty).is_err(), "{text} as {ty:?}");
        }
        assert_eq!(
            Value::parse("x", STATUS),
            Err(ValueError::NotAVariant("open, done".into()))
        );
    }

    #[test]
    fn tagged_form_round_trips() {
        let values = [
            Value::String("a,b".into()),
            Value::Int(i64::MIN),
            Value::Float(0.1),
            Value::Bool(false),
            Value::Uuid(uuid::Uuid::nil()),
            Value::Date(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap()),
            Value::parse("2024-01-01T00:00:00.000000001Z", FieldType::DateTime).unwrap(),
            Value::Null,
        ];
        for v in values {
            assert_eq!(Value::from_tagged(v.tag(), &v.to_string()), Some(v));
        }
        assert_eq!(Value::from_tagged("n", "x"), None);
        assert_eq!(Value::from_tagged("z", ""), None);
    }

    #[test]
    fn matches_checks_types() {
        assert!(Value::Null.matches(FieldType::Int));
        assert!(Value::Int(1).matches(FieldType::Int));
        assert!(!Value::Int(1).matches(FieldType::Float));
        assert!(!Value::String("x".into()).matches(STATUS));
        assert!(Value::String("done".into()).matches(STATUS));
    }
}

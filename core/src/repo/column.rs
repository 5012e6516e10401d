use chrono::{DateTime, NaiveDate, Utc};

use crate::query::Value;

/// A Rust type stored in one column: how it becomes a bindable [`Value`] and
/// how a [`Value`] (a parent id from a nested route) becomes it again.
///
/// `#[derive(Resource)]` uses it for [`Entity::values`](super::Entity::values)
/// and for `belongs_to` columns; it is implemented for the column types the
/// derive understands and for `Option` of each (`None` is SQL `NULL`).
///
/// ```
/// use strata::query::Value;
/// use strata::repo::ColumnValue;
/// assert_eq!(7i32.to_value(), Value::Int(7));
/// assert_eq!(None::<String>.to_value(), Value::Null);
/// assert_eq!(i64::from_value(Value::Int(3)), Some(3));
/// ```
pub trait ColumnValue: Sized {
    /// The value to bind for this column.
    fn to_value(&self) -> Value;

    /// The Rust value of a parsed [`Value`], when it has the right shape.
    fn from_value(value: Value) -> Option<Self>;
}

macro_rules! column_value {
    ($($ty:ty => $variant:ident, |$v:ident| $to:expr, |$w:ident| $from:expr;)*) => {$(
        impl ColumnValue for $ty {
            fn to_value(&self) -> Value {
                let $v = self;
                Value::$variant($to)
            }

            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant($w) => $from,
                    _ => None,
                }
            }
        }
    )*};
}

column_value! {
    String => String, |v| v.clone(), |v| Some(v);
    i16 => Int, |v| i64::from(*v), |v| v.try_into().ok();
    i32 => Int, |v| i64::from(*v), |v| v.try_into().ok();
    i64 => Int, |v| *v, |v| Some(v);
    f32 => Float, |v| f64::from(*v), |v| Some(v as f32);
    f64 => Float, |v| *v, |v| Some(v);
    bool => Bool, |v| *v, |v| Some(v);
    uuid::Uuid => Uuid, |v| *v, |v| Some(v);
    NaiveDate => Date, |v| *v, |v| Some(v);
    DateTime<Utc> => DateTime, |v| *v, |v| Some(v);
}

/// JSON columns travel as their text; the repository parses it back.
impl ColumnValue for serde_json::Value {
    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }

    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::String(text) => serde_json::from_str(&text).ok(),
            _ => None,
        }
    }
}

impl<T: ColumnValue> ColumnValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }

    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(i16::from_value(7i16.to_value()), Some(7));
        assert_eq!(i16::from_value(Value::Int(1 << 20)), None);
        assert_eq!(f32::from_value(1.5f32.to_value()), Some(1.5));
        let id = uuid::Uuid::now_v7();
        assert_eq!(uuid::Uuid::from_value(id.to_value()), Some(id));
        assert_eq!(Option::<bool>::from_value(Value::Null), Some(None));
        let json = serde_json::json!({"a": [1, 2]});
        assert_eq!(serde_json::Value::from_value(json.to_value()), Some(json));
        assert_eq!(String::from_value(Value::Int(1)), None);
    }
}

//! The column types the derive understands, read from the field's Rust type
//! (or from a `#[resource(type = "...")]` hint).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

/// A column's scalar type; `FieldType` in `strata::query` minus `Enum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    String,
    Int,
    Float,
    Bool,
    Uuid,
    Date,
    DateTime,
    Json,
}

/// The names accepted by `#[resource(type = "...")]`.
pub(crate) const HINTS: &str = "string, int, float, bool, uuid, date, datetime, json";

impl Scalar {
    pub(crate) fn from_hint(hint: &str) -> Option<Self> {
        Some(match hint {
            "string" => Self::String,
            "int" => Self::Int,
            "float" => Self::Float,
            "bool" => Self::Bool,
            "uuid" => Self::Uuid,
            "date" => Self::Date,
            "datetime" => Self::DateTime,
            "json" => Self::Json,
            _ => return None,
        })
    }

    /// `::strata::query::FieldType::…`
    pub(crate) fn tokens(self) -> TokenStream {
        match self {
            Self::String => quote!(::strata::query::FieldType::String),
            Self::Int => quote!(::strata::query::FieldType::Int),
            Self::Float => quote!(::strata::query::FieldType::Float),
            Self::Bool => quote!(::strata::query::FieldType::Bool),
            Self::Uuid => quote!(::strata::query::FieldType::Uuid),
            Self::Date => quote!(::strata::query::FieldType::Date),
            Self::DateTime => quote!(::strata::query::FieldType::DateTime),
            Self::Json => quote!(::strata::query::FieldType::Json),
        }
    }
}

/// `Option<T>` → `Some(T)`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The scalar of a non-`Option` Rust type, by its last path segment.
pub(crate) fn scalar_of(ty: &Type) -> Option<Scalar> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let bare = matches!(last.arguments, PathArguments::None);
    let name = last.ident.to_string();
    Some(match name.as_str() {
        "String" if bare => Scalar::String,
        "i16" | "i32" | "i64" if bare => Scalar::Int,
        "f32" | "f64" if bare => Scalar::Float,
        "bool" if bare => Scalar::Bool,
        "Uuid" if bare => Scalar::Uuid,
        "NaiveDate" if bare => Scalar::Date,
        "DateTime" if !bare => Scalar::DateTime,
        // `serde_json::Value` (or an alias named `JsonValue`).
        "Value" | "JsonValue" if bare => Scalar::Json,
        _ => return None,
    })
}

/// Whether the type is an integer (ids of these are assigned by the database).
pub(crate) fn is_integer(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| {
        ["i16", "i32", "i64"].iter().any(|n| s.ident == n)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_supported_types() {
        let ty = |s: &str| syn::parse_str::<Type>(s).unwrap();
        assert_eq!(scalar_of(&ty("String")), Some(Scalar::String));
        assert_eq!(
            scalar_of(&ty("chrono::DateTime<Utc>")),
            Some(Scalar::DateTime)
        );
        assert_eq!(scalar_of(&ty("serde_json::Value")), Some(Scalar::Json));
        assert_eq!(scalar_of(&ty("Vec<String>")), None);
        assert_eq!(
            option_inner(&ty("Option<i32>")).and_then(scalar_of),
            Some(Scalar::Int)
        );
        assert!(is_integer(&ty("i64")) && !is_integer(&ty("Uuid")));
    }
}

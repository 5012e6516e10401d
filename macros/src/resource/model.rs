//! The derive input checked against SPEC §9: one id, known owner, column
//! types, convention columns. Every problem is collected with its span.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, Path, Type, Visibility};

use super::attr::{ContainerAttrs, Errors, FieldAttrs};
use super::types::{self, HINTS, Scalar};

/// What a field is to the resource; decides DTOs and `from_create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Id,
    Owner,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
    ReadOnly,
    Writable,
}

pub(crate) struct Field<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub ty: &'a Type,
    /// The API (camelCase) name.
    pub api: String,
    pub column: String,
    /// `::strata::query::FieldType::…`
    pub field_type: TokenStream,
    pub nullable: bool,
    pub filter: bool,
    pub sort: bool,
    pub search: bool,
    pub role: Role,
    pub belongs_to: Option<String>,
    /// `enum = "a|b"` variants: body values must be one of them (422).
    pub variants: Option<Vec<String>>,
    /// `#[validate]` rules and doc comments, copied onto the body fields.
    pub copied: Vec<&'a Attribute>,
    /// The field's `#[serde(default)]` / `#[serde(default = "…")]`, copied
    /// onto the `POST` body: such a field may be omitted on create.
    pub default: Option<TokenStream>,
}

pub(crate) struct Conventions {
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    pub version: Option<String>,
}

pub(crate) struct Model<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub table: String,
    pub path: String,
    pub permission: String,
    pub hooks: Option<Path>,
    pub rate_limit: Option<String>,
    /// `cache`: read rows through the app's cache.
    pub cache: bool,
    pub default_sort: Vec<(String, bool)>,
    pub conventions: Conventions,
    pub fields: Vec<Field<'a>>,
    /// Index of the id field.
    pub id: usize,
    pub owner: Option<usize>,
    pub version: Option<usize>,
}

impl<'a> Model<'a> {
    pub(crate) fn from_input(input: &'a DeriveInput) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                _ => None,
            },
            _ => None,
        };
        let Some(named) = named else {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "`#[derive(Resource)]` needs a struct with named fields",
            ));
        };
        if !input.generics.params.is_empty() {
            errors.spanned(
                &input.generics,
                "`#[derive(Resource)]` does not support generic structs",
            );
        }
        // The API names (filters, sorts, bodies, docs) are camelCase (SPEC §3);
        // without serde renaming the rows would be served with other keys.
        let multi_word = named.named.iter().any(|f| {
            f.ident.as_ref().is_some_and(|ident| {
                let name = ident.unraw().to_string();
                name.contains('_') && !renamed_to(&f.attrs, &camel_case(&name))
            })
        });
        if multi_word && !renames_to_camel_case(&input.attrs) {
            errors.spanned(
                &input.ident,
                "add `#[serde(rename_all = \"camelCase\")]`: a resource's JSON keys are camelCase (`dueDate`), as its filters, bodies and docs are",
            );
        }
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("validate")) {
            errors.spanned(
                attr,
                "struct-level `#[validate]` is not copied to the request bodies; put cross-field rules in the resource's hooks",
            );
        }
        let attrs = ContainerAttrs::parse(&input.attrs, &mut errors);

        let mut fields = Vec::new();
        let mut id = None;
        let mut created_marker = None;
        let mut updated_marker = None;
        for field in &named.named {
            let Some(ident) = field.ident.as_ref() else {
                continue;
            };
            let fa = FieldAttrs::parse(&field.attrs, &mut errors);
            let name = ident.unraw().to_string();
            let column = fa
                .column
                .as_ref()
                .map_or_else(|| name.clone(), |c| c.value());
            let (field_type, scalar, nullable) = field_type(&field.ty, &fa, &mut errors);
            if let (Some(search), Some(scalar)) = (&fa.search, scalar)
                && scalar != Scalar::String
            {
                errors.spanned(search, "`search` applies to `String` fields only");
            }
            let index = fields.len();
            let mut role = Role::Writable;
            if let Some(flag) = &fa.id {
                if id.is_some() {
                    errors.spanned(flag, "only one field can be `#[resource(id)]`");
                } else {
                    id = Some(index);
                }
                if nullable {
                    errors.spanned(&field.ty, "the id cannot be an `Option`");
                }
                role = Role::Id;
            }
            if fa.readonly.is_some() && role == Role::Writable {
                role = Role::ReadOnly;
            }
            if let Some(flag) = &fa.created_at {
                set_marker(&mut created_marker, index, flag, &mut errors);
            }
            if let Some(flag) = &fa.updated_at {
                set_marker(&mut updated_marker, index, flag, &mut errors);
            }
            fields.push(Field {
                ident,
                vis: &field.vis,
                ty: &field.ty,
                api: camel_case(&name),
                column,
                field_type,
                nullable,
                filter: fa.filter.is_some() || fa.id.is_some(),
                sort: fa.sort.is_some() || fa.id.is_some(),
                search: fa.search.is_some(),
                role,
                belongs_to: fa.belongs_to.as_ref().map(syn::LitStr::value),
                variants: fa
                    .variants
                    .as_ref()
                    .filter(|_| scalar == Some(Scalar::String))
                    .map(|v| v.value().split('|').map(|n| n.trim().to_owned()).collect()),
                copied: field
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("validate") || a.path().is_ident("doc"))
                    .collect(),
                default: serde_default(&field.attrs),
            });
        }
        let id = id.unwrap_or_else(|| {
            errors.spanned(&input.ident, "missing id: mark one field `#[resource(id)]`");
            0
        });

        // Timestamps: markers, else fields named so; `timestamps` alone names the columns.
        let by_name = |fields: &[Field<'_>], name: &str| {
            fields
                .iter()
                .position(|f| *f.ident == name && f.role == Role::Writable)
        };
        let created = created_marker.or_else(|| by_name(&fields, "created_at"));
        let updated = updated_marker.or_else(|| by_name(&fields, "updated_at"));
        let stamp_column =
            |index: Option<usize>, fields: &mut [Field<'_>], role, name: &str| match index {
                Some(i) => {
                    fields[i].role = role;
                    Some(fields[i].column.clone())
                }
                None => attrs.timestamps.as_ref().map(|_| name.to_owned()),
            };
        let created_at = stamp_column(created, &mut fields, Role::CreatedAt, "created_at");
        let updated_at = stamp_column(updated, &mut fields, Role::UpdatedAt, "updated_at");

        let deleted_at = attrs
            .soft_delete
            .as_ref()
            .map(|_| match by_name(&fields, "deleted_at") {
                Some(i) => {
                    fields[i].role = Role::DeletedAt;
                    fields[i].column.clone()
                }
                None => "deleted_at".to_owned(),
            });
        let mut version = None;
        if let Some(flag) = &attrs.version {
            match by_name(&fields, "version") {
                Some(i) if !fields[i].nullable && types::is_integer(fields[i].ty) => {
                    fields[i].role = Role::Version;
                    version = Some(i);
                }
                _ => errors.spanned(
                    flag,
                    "`version` needs a writable integer field named `version` (e.g. `version: i64`)",
                ),
            }
        }

        let owner = attrs.owner.as_ref().and_then(|owner| {
            let wanted = owner.value();
            let found = fields
                .iter()
                .position(|f| *f.ident == wanted || f.column == wanted);
            match found {
                Some(i) if fields[i].role == Role::Writable || fields[i].role == Role::ReadOnly => {
                    fields[i].role = Role::Owner;
                    Some(i)
                }
                Some(_) => {
                    errors.spanned(
                        owner,
                        "the owner cannot be the id, a timestamp or the version",
                    );
                    None
                }
                None => {
                    errors.spanned(owner, format!("no field `{wanted}` to be the owner"));
                    None
                }
            }
        });

        let default_sort = attrs
            .default_sort
            .as_ref()
            .map(|lit| parse_sort(lit, &fields, &mut errors))
            .unwrap_or_default();

        if let Some(rate) = &attrs.rate_limit
            && !is_quota(&rate.value())
        {
            errors.spanned(
                rate,
                "invalid rate limit: expected `N/period` such as \"100/min\", \"5/15min\" or \"1000/h\" (units: s, min, h, day)",
            );
        }
        let table = match &attrs.table {
            Some(table) => table.value(),
            None => {
                errors.spanned(&input.ident, "missing `#[resource(table = \"...\")]`");
                String::new()
            }
        };
        errors.finish()?;
        let path = attrs
            .path
            .as_ref()
            .map_or_else(|| table.clone(), syn::LitStr::value);
        let permission = attrs
            .permission
            .as_ref()
            .map_or_else(|| path.clone(), syn::LitStr::value);
        Ok(Self {
            ident: &input.ident,
            vis: &input.vis,
            table,
            path,
            permission,
            hooks: attrs.hooks,
            rate_limit: attrs.rate_limit.as_ref().map(syn::LitStr::value),
            cache: attrs.cache.is_some(),
            default_sort,
            conventions: Conventions {
                created_at,
                updated_at,
                deleted_at,
                version: version.map(|i| fields[i].column.clone()),
            },
            fields,
            id,
            owner,
            version,
        })
    }

    pub(crate) fn id_field(&self) -> &Field<'a> {
        &self.fields[self.id]
    }
}

fn set_marker(slot: &mut Option<usize>, index: usize, flag: &Path, errors: &mut Errors) {
    if slot.is_some() {
        errors.spanned(flag, "this timestamp marker is already on another field");
    } else {
        *slot = Some(index);
    }
}

/// The `FieldType` tokens, the scalar (for checks) and whether the column is nullable.
fn field_type(
    ty: &Type,
    fa: &FieldAttrs,
    errors: &mut Errors,
) -> (TokenStream, Option<Scalar>, bool) {
    let inner = types::option_inner(ty);
    let nullable = inner.is_some();
    let base = inner.unwrap_or(ty);
    let scalar = match &fa.ty {
        Some(hint) => {
            let scalar = Scalar::from_hint(&hint.value());
            if scalar.is_none() {
                errors.spanned(
                    hint,
                    format!("unknown column type; expected one of: {HINTS}"),
                );
            }
            scalar
        }
        None => {
            let scalar = types::scalar_of(base);
            if scalar.is_none() {
                errors.spanned(
                    base,
                    format!(
                        "unsupported column type: expected String, i16, i32, i64, f32, f64, bool, Uuid, NaiveDate, \
                         DateTime<Utc>, serde_json::Value or an Option of one, or a hint \
                         `#[resource(type = \"...\")]` ({HINTS}) for a type implementing `strata::repo::ColumnValue`"
                    ),
                );
            }
            scalar
        }
    };
    let tokens = match (&fa.variants, scalar) {
        (Some(variants), Some(Scalar::String)) => {
            let names: Vec<String> = variants
                .value()
                .split('|')
                .map(|v| v.trim().to_owned())
                .collect();
            if names.iter().any(String::is_empty) {
                errors.spanned(
                    variants,
                    "expected variants separated by `|`, e.g. \"draft|published\"",
                );
            }
            quote!(::strata::query::FieldType::Enum(&[#(#names),*]))
        }
        (Some(variants), Some(_)) => {
            errors.spanned(variants, "`enum` applies to `String` fields only");
            quote!(::strata::query::FieldType::String)
        }
        (_, scalar) => scalar.unwrap_or(Scalar::String).tokens(),
    };
    (tokens, scalar, nullable)
}

/// `"-createdAt,title"` → `[("createdAt", true), ("title", false)]`; names must be fields.
fn parse_sort(lit: &syn::LitStr, fields: &[Field<'_>], errors: &mut Errors) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for part in lit.value().split(',') {
        let part = part.trim();
        let (name, descending) = match part.strip_prefix('-') {
            Some(name) => (name, true),
            None => (part, false),
        };
        if fields.iter().any(|f| f.api == name) {
            out.push((name.to_owned(), descending));
        } else {
            errors.spanned(
                lit,
                format!(
                    "`default_sort` names `{name}`, which is not a field's API (camelCase) name"
                ),
            );
        }
    }
    out
}

/// The shape `strata::rate_limit::Quota` parses: `N/[M]unit`.
fn is_quota(text: &str) -> bool {
    let Some((count, period)) = text.trim().split_once('/') else {
        return false;
    };
    if !count.trim().parse::<u32>().is_ok_and(|n| n > 0) {
        return false;
    }
    let period = period.trim();
    let split = period
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(period.len());
    let (multiplier, unit) = period.split_at(split);
    let multiplier_ok = multiplier.is_empty() || multiplier.parse::<u64>().is_ok_and(|m| m > 0);
    let unit_ok = matches!(
        unit.trim().to_ascii_lowercase().as_str(),
        "s" | "sec"
            | "secs"
            | "second"
            | "seconds"
            | "m"
            | "min"
            | "mins"
            | "minute"
            | "minutes"
            | "h"
            | "hr"
            | "hour"
            | "hours"
            | "d"
            | "day"
            | "days"
    );
    multiplier_ok && unit_ok
}

/// serde's `rename_all = "camelCase"` of a snake_case name.
pub(crate) fn camel_case(snake: &str) -> String {
    let mut pascal = String::new();
    let mut capitalize = true;
    for c in snake.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(c);
        }
    }
    match pascal.chars().next() {
        Some(first) => first.to_lowercase().chain(pascal.chars().skip(1)).collect(),
        None => pascal,
    }
}

/// The `default` of a field's `#[serde(...)]` attributes, as an attribute to
/// copy: `#[serde(default)]` or `#[serde(default = "path")]`.
fn serde_default(attrs: &[Attribute]) -> Option<TokenStream> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Other serde keys are serde's business: skip their values.
        let _ = attr.parse_nested_meta(|meta| {
            let with_value = meta.input.peek(syn::Token![=]);
            if meta.path.is_ident("default") {
                found = Some(if with_value {
                    let path: syn::LitStr = meta.value()?.parse()?;
                    quote!(#[serde(default = #path)])
                } else {
                    quote!(#[serde(default)])
                });
            } else {
                skip_serde_value(&meta)?;
            }
            Ok(())
        });
    }
    found
}

/// Skips the value of a serde key this derive does not read: `key = expr`
/// or `key(inner = expr, …)` (`rename(deserialize = "…")` and the like).
fn skip_serde_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            if inner.input.peek(syn::Token![=]) {
                let _: syn::Expr = inner.value()?.parse()?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Whether the container says `#[serde(rename_all = "camelCase")]` (or
/// `rename_all(serialize = "camelCase", deserialize = "camelCase")`: rows are
/// both served and, from the cache, read back with the API names).
fn renames_to_camel_case(attrs: &[Attribute]) -> bool {
    let mut camel = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if meta.input.peek(syn::Token![=]) {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    camel |= value.value() == "camelCase";
                } else {
                    // `rename_all(serialize = "…", deserialize = "…")`
                    let (mut serialize, mut deserialize) = (false, false);
                    meta.parse_nested_meta(|inner| {
                        let value: syn::LitStr = inner.value()?.parse()?;
                        let is_camel = value.value() == "camelCase";
                        if inner.path.is_ident("serialize") {
                            serialize = is_camel;
                        } else if inner.path.is_ident("deserialize") {
                            deserialize = is_camel;
                        }
                        Ok(())
                    })?;
                    camel |= serialize && deserialize;
                }
            } else {
                skip_serde_value(&meta)?;
            }
            Ok(())
        });
    }
    camel
}

/// Whether a field names itself `api` with `#[serde(rename = "…")]`.
fn renamed_to(attrs: &[Attribute], api: &str) -> bool {
    let mut found = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") && meta.input.peek(syn::Token![=]) {
                let value: syn::LitStr = meta.value()?.parse()?;
                found |= value.value() == api;
            } else {
                skip_serde_value(&meta)?;
            }
            Ok(())
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_matches_serde() {
        assert_eq!(camel_case("due_date"), "dueDate");
        assert_eq!(camel_case("id"), "id");
        assert_eq!(camel_case("a_b_c"), "aBC");
    }

    #[test]
    fn camel_case_renaming_is_recognised() {
        let attrs = |attr: syn::Attribute| vec![attr];
        for yes in [
            syn::parse_quote!(#[serde(rename_all = "camelCase")]),
            syn::parse_quote!(#[serde(deny_unknown_fields, rename_all = "camelCase")]),
            syn::parse_quote!(#[serde(rename_all(serialize = "camelCase", deserialize = "camelCase"))]),
        ] {
            assert!(renames_to_camel_case(&attrs(yes)));
        }
        for no in [
            syn::parse_quote!(#[serde(rename_all = "snake_case")]),
            syn::parse_quote!(#[serde(rename_all(serialize = "camelCase"))]),
            syn::parse_quote!(#[serde(rename_all(deserialize = "camelCase"))]),
            syn::parse_quote!(#[serde(default)]),
        ] {
            assert!(!renames_to_camel_case(&attrs(no)));
        }
        assert!(renamed_to(
            &attrs(syn::parse_quote!(#[serde(rename = "dueDate")])),
            "dueDate"
        ));
        assert!(!renamed_to(
            &attrs(syn::parse_quote!(#[serde(rename = "due")])),
            "dueDate"
        ));
        assert!(!renamed_to(
            &attrs(syn::parse_quote!(#[serde(default)])),
            "dueDate"
        ));
    }

    #[test]
    fn quota_shapes() {
        for ok in ["100/min", "5/15min", "1000/h", " 3 / day "] {
            assert!(is_quota(ok), "{ok}");
        }
        for bad in ["100", "0/min", "x/min", "10/fortnight", "10/0min", "10/"] {
            assert!(!is_quota(bad), "{bad}");
        }
    }
}

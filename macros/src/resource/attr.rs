//! Parsing `#[resource(...)]` attributes into plain values, collecting every
//! error instead of stopping at the first.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Path};

/// Errors collected while reading a derive input; reported all at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// A flag attribute, remembered with its path for error spans.
pub(crate) type Flag = Option<Path>;

/// `#[resource(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub table: Option<LitStr>,
    pub path: Option<LitStr>,
    pub permission: Option<LitStr>,
    pub owner: Option<LitStr>,
    pub soft_delete: Flag,
    pub version: Flag,
    pub timestamps: Flag,
    pub hooks: Option<Path>,
    pub rate_limit: Option<LitStr>,
    pub cache: Flag,
    pub default_sort: Option<LitStr>,
}

/// `#[resource(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub id: Flag,
    pub filter: Flag,
    pub sort: Flag,
    pub search: Flag,
    pub readonly: Flag,
    pub belongs_to: Option<LitStr>,
    pub created_at: Flag,
    pub updated_at: Flag,
    pub column: Option<LitStr>,
    pub variants: Option<LitStr>,
    pub ty: Option<LitStr>,
}

const CONTAINER_KEYS: &str = "table, path, permission, owner, soft_delete, version, timestamps, hooks, rate_limit, cache, default_sort";
const FIELD_KEYS: &str =
    "id, filter, sort, search, readonly, belongs_to, created_at, updated_at, column, enum, type";

impl ContainerAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut out = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("resource")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = key_of(&meta);
                match key.as_str() {
                    "table" => set(&mut out.table, string(&meta, errors)?, &meta, errors),
                    "path" => set(&mut out.path, string(&meta, errors)?, &meta, errors),
                    "permission" => set(&mut out.permission, string(&meta, errors)?, &meta, errors),
                    "owner" => set(&mut out.owner, string(&meta, errors)?, &meta, errors),
                    "rate_limit" => set(&mut out.rate_limit, string(&meta, errors)?, &meta, errors),
                    "default_sort" => {
                        set(&mut out.default_sort, string(&meta, errors)?, &meta, errors);
                    }
                    "hooks" => {
                        let hooks = meta.value()?.parse::<Path>()?;
                        set(&mut out.hooks, Some(hooks), &meta, errors);
                    }
                    "soft_delete" => flag(&mut out.soft_delete, &meta, errors)?,
                    "version" => flag(&mut out.version, &meta, errors)?,
                    "timestamps" => flag(&mut out.timestamps, &meta, errors)?,
                    "cache" => flag(&mut out.cache, &meta, errors)?,
                    _ => unknown(&meta, CONTAINER_KEYS, "struct", errors)?,
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        out
    }
}

impl FieldAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut out = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("resource")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = key_of(&meta);
                match key.as_str() {
                    "id" => flag(&mut out.id, &meta, errors)?,
                    "filter" => flag(&mut out.filter, &meta, errors)?,
                    "sort" => flag(&mut out.sort, &meta, errors)?,
                    "search" => flag(&mut out.search, &meta, errors)?,
                    "readonly" => flag(&mut out.readonly, &meta, errors)?,
                    "created_at" => flag(&mut out.created_at, &meta, errors)?,
                    "updated_at" => flag(&mut out.updated_at, &meta, errors)?,
                    "belongs_to" => {
                        if !meta.input.peek(syn::Token![=]) {
                            errors.spanned(
                                &meta.path,
                                "`belongs_to` needs the parent's URL path: `belongs_to = \"students\"`",
                            );
                            return Ok(());
                        }
                        set(&mut out.belongs_to, string(&meta, errors)?, &meta, errors);
                    }
                    "column" => set(&mut out.column, string(&meta, errors)?, &meta, errors),
                    "enum" => set(&mut out.variants, string(&meta, errors)?, &meta, errors),
                    "type" => set(&mut out.ty, string(&meta, errors)?, &meta, errors),
                    _ => unknown(&meta, FIELD_KEYS, "field", errors)?,
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        out
    }
}

/// The key as written; keywords (`enum`, `type`) included.
fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// `key = "text"`; a non-empty string, else an error at the value.
fn string(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let value = meta.value()?.parse::<LitStr>()?;
    if value.value().trim().is_empty() {
        errors.spanned(&value, "expected a non-empty string");
        return Ok(None);
    }
    Ok(Some(value))
}

fn set<T>(slot: &mut Option<T>, value: Option<T>, meta: &ParseNestedMeta<'_>, errors: &mut Errors) {
    if slot.is_some() {
        errors.spanned(
            &meta.path,
            format!("duplicate `{}` attribute", key_of(meta)),
        );
    } else if value.is_some() {
        *slot = value;
    }
}

fn flag(slot: &mut Flag, meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<()> {
    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        errors.spanned(&meta.path, format!("`{}` takes no value", key_of(meta)));
        skip_value(meta)?;
        return Ok(());
    }
    set(slot, Some(meta.path.clone()), meta, errors);
    Ok(())
}

fn unknown(
    meta: &ParseNestedMeta<'_>,
    known: &str,
    place: &str,
    errors: &mut Errors,
) -> syn::Result<()> {
    let name = quote::ToTokens::to_token_stream(&meta.path)
        .to_string()
        .replace(' ', "");
    errors.spanned(
        &meta.path,
        format!("unknown {place} attribute `{name}`; expected one of: {known}"),
    );
    skip_value(meta)
}

/// Consumes `= value` or `(...)` after an attribute key that was reported.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| skip_value(&inner));
    }
    Ok(())
}

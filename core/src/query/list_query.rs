//! The parsed list query and its query-string parser and renderer.

use std::collections::HashMap;

use super::page::{parse_page, parse_per_page};
use super::sort::{parse_sort, render_sort};
use super::{
    Cursor, CursorCodec, FieldMeta, Filter, FilterOp, PageRequest, QuerySpec, SortKey, Value,
};
use crate::AppError;

/// Most parameters one query string may carry.
pub const MAX_PARAMS: usize = 100;
/// Longest raw query string accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 16 * 1024;
/// Longest decoded parameter value accepted, in bytes (cursors have their own cap).
pub const MAX_VALUE_LEN: usize = 4096;
/// Longest `search` text, in characters, after trimming.
pub const MAX_SEARCH_LEN: usize = 200;

/// Parameter names the grammar reserves; a field with one of these names can
/// still be filtered for equality as `name[eq]=…`.
pub const RESERVED: [&str; 7] = [
    "page", "perPage", "limit", "cursor", "sort", "search", "fields",
];

/// A list request: pagination, filters, sort, search and sparse fields.
///
/// Everything in it was looked up in the resource's [`QuerySpec`]; nothing from
/// the request reaches SQL as an identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Which page.
    pub page: PageRequest,
    /// Filters, ANDed together, in the order they were given.
    pub filters: Vec<Filter>,
    /// Sort keys; always ends with the id key.
    pub sort: Vec<SortKey>,
    /// Trimmed, non-empty search text over the searchable fields.
    pub search: Option<String>,
    /// Sparse fieldset; always contains the id. `None` means every field.
    pub fields: Option<Vec<&'static FieldMeta>>,
}

impl ListQuery {
    /// Parses a raw (still percent-encoded) query string, as in `uri.query()`.
    ///
    /// Every failure is an [`AppError::BadRequest`] whose single detail names
    /// the parameter at fault exactly as it was sent (decoded), e.g.
    /// `status[foo]`, `perPage` or `cursor`. See the [module docs](super) for
    /// the grammar.
    pub fn parse(raw_query: &str, spec: &QuerySpec, codec: &CursorCodec) -> Result<Self, AppError> {
        if raw_query.len() > MAX_QUERY_LEN {
            return Err(AppError::bad_request(format!(
                "Query string too long (at most {MAX_QUERY_LEN} bytes)"
            )));
        }
        let mut reserved: HashMap<&'static str, String> = HashMap::new();
        let mut filters = Vec::new();
        for (count, (key, value)) in form_urlencoded::parse(raw_query.as_bytes()).enumerate() {
            if count >= MAX_PARAMS {
                return Err(AppError::bad_request(format!(
                    "Too many query parameters (at most {MAX_PARAMS})"
                )));
            }
            check_text(&key, &value)?;
            if let Some(name) = RESERVED.iter().find(|r| **r == key) {
                if reserved.insert(name, value.into_owned()).is_some() {
                    return Err(AppError::bad_parameter(
                        key,
                        "duplicate",
                        "given more than once",
                    ));
                }
            } else {
                filters.push(parse_filter(&key, &value, spec)?);
            }
        }

        let per_page_param = match (reserved.get("perPage"), reserved.get("limit")) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_parameter(
                    "limit",
                    "conflict",
                    "`limit` is an alias of `perPage`; give only one",
                ));
            }
            (Some(raw), None) => Some(("perPage", raw)),
            (None, Some(raw)) => Some(("limit", raw)),
            (None, None) => None,
        };
        let max = spec.max_per_page.max(1);
        let per_page = match per_page_param {
            Some((param, raw)) => parse_per_page(param, raw, max)?,
            None => spec.default_per_page.clamp(1, max),
        };
        let sort = parse_sort(reserved.get("sort").map(String::as_str), spec)?;
        let page = match (reserved.get("cursor"), reserved.get("page")) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_parameter(
                    "page",
                    "conflict",
                    "`page` cannot be combined with `cursor`",
                ));
            }
            (Some(raw), None) => PageRequest::Cursor {
                limit: per_page,
                after: parse_cursor(raw, &sort, codec)?,
            },
            (None, raw) => PageRequest::Offset {
                page: raw.map_or(Ok(1), |raw| parse_page(raw, per_page))?,
                per_page,
            },
        };
        let search = parse_search(reserved.get("search").map(String::as_str), spec)?;
        let fields = parse_fields(reserved.get("fields").map(String::as_str), spec)?;
        Ok(Self {
            page,
            filters,
            sort,
            search,
            fields,
        })
    }

    /// Renders the query back to a query string that [`parse`](Self::parse)
    /// reads as an equal `ListQuery`: pagination, sort (always explicit, id
    /// included), filters in order, search, fields.
    pub fn to_query_string(&self, codec: &CursorCodec) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        match &self.page {
            PageRequest::Offset { page, per_page } => {
                out.append_pair("page", &page.to_string());
                out.append_pair("perPage", &per_page.to_string());
            }
            PageRequest::Cursor { limit, after } => {
                let token = after.as_ref().map(|c| codec.encode(c)).unwrap_or_default();
                out.append_pair("cursor", &token);
                out.append_pair("perPage", &limit.to_string());
            }
        }
        out.append_pair("sort", &render_sort(&self.sort));
        for filter in &self.filters {
            let (mut name, value) = filter.to_pair();
            if RESERVED.contains(&name.as_str()) {
                name.push_str("[eq]");
            }
            out.append_pair(&name, &value);
        }
        if let Some(search) = &self.search {
            out.append_pair("search", search);
        }
        if let Some(fields) = &self.fields {
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            out.append_pair("fields", &names.join(","));
        }
        out.finish()
    }

    /// The cursor pointing after a row whose sort-key values (one per
    /// [`sort`](Self::sort) key, id last) are `values`. Encode it with
    /// [`CursorCodec::encode`] to build `nextCursor`.
    pub fn cursor_after(&self, values: Vec<Value>) -> Cursor {
        Cursor::new(&self.sort, values)
    }
}

/// Rejects decoded text that was not valid UTF-8 (decoded lossily to U+FFFD),
/// holds NUL (which PostgreSQL text refuses), or is oversized.
fn check_text(key: &str, value: &str) -> Result<(), AppError> {
    let bad = |s: &str| s.contains(['\u{FFFD}', '\0']);
    if bad(key) || bad(value) {
        return Err(AppError::bad_parameter(
            key,
            "invalid_encoding",
            "not valid UTF-8 text",
        ));
    }
    if key.len() > MAX_VALUE_LEN || (value.len() > MAX_VALUE_LEN && key != "cursor") {
        return Err(AppError::bad_parameter(
            key,
            "too_long",
            "parameter too long",
        ));
    }
    Ok(())
}

fn parse_filter(key: &str, value: &str, spec: &QuerySpec) -> Result<Filter, AppError> {
    let (name, op) = match key.strip_suffix(']').and_then(|k| k.split_once('[')) {
        Some((name, op)) => (name, Some(op)),
        None => (key, None),
    };
    let field = spec.field(name).ok_or_else(|| {
        AppError::bad_parameter(
            key,
            "unknown_parameter",
            format!("unknown parameter `{key}`"),
        )
    })?;
    let op = match op {
        None => FilterOp::Eq,
        Some(op) => FilterOp::from_name(op).ok_or_else(|| {
            AppError::bad_parameter(key, "unknown_operator", format!("unknown operator `{op}`"))
        })?,
    };
    Filter::parse(key, field, op, value)
}

fn parse_cursor(
    raw: &str,
    sort: &[SortKey],
    codec: &CursorCodec,
) -> Result<Option<Cursor>, AppError> {
    if raw.is_empty() {
        return Ok(None);
    }
    let cursor = codec.decode(raw)?;
    let fits = cursor.sort == render_sort(sort)
        && cursor.values.len() == sort.len()
        && cursor
            .values
            .iter()
            .zip(sort)
            .all(|(v, k)| v.matches(k.field.ty))
        && cursor.values.last().is_some_and(|v| *v != Value::Null);
    if fits {
        Ok(Some(cursor))
    } else {
        Err(AppError::bad_parameter(
            "cursor",
            "invalid_cursor",
            "cursor does not match the current sort",
        ))
    }
}

fn parse_search(raw: Option<&str>, spec: &QuerySpec) -> Result<Option<String>, AppError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if !spec.has_searchable() {
        return Err(AppError::bad_parameter(
            "search",
            "not_searchable",
            "this resource has no searchable field",
        ));
    }
    if text.chars().count() > MAX_SEARCH_LEN {
        return Err(AppError::bad_parameter(
            "search",
            "too_long",
            format!("at most {MAX_SEARCH_LEN} characters"),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// The `fields=` of a single-row `GET` (`?fields=id,title`): the same
/// grammar as on lists (unknown or repeated names → 400, the id always
/// kept); every other parameter is left alone.
pub(crate) fn sparse_fields(
    raw_query: Option<&str>,
    spec: &QuerySpec,
) -> Result<Option<Vec<&'static FieldMeta>>, AppError> {
    let Some(raw_query) = raw_query else {
        return Ok(None);
    };
    let mut found = None;
    for (key, value) in form_urlencoded::parse(raw_query.as_bytes()) {
        if key == "fields" {
            if found.is_some() {
                return Err(AppError::bad_parameter(
                    "fields",
                    "duplicate",
                    "`fields` appears more than once",
                ));
            }
            found = Some(value.into_owned());
        }
    }
    parse_fields(found.as_deref(), spec)
}

fn parse_fields(
    raw: Option<&str>,
    spec: &QuerySpec,
) -> Result<Option<Vec<&'static FieldMeta>>, AppError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let mut fields: Vec<&'static FieldMeta> = Vec::new();
    for name in raw.split(',') {
        let field = spec.field(name).ok_or_else(|| {
            AppError::bad_parameter("fields", "unknown_field", format!("unknown field `{name}`"))
        })?;
        if fields.contains(&field) {
            return Err(AppError::bad_parameter(
                "fields",
                "duplicate",
                format!("`{name}` appears more than once"),
            ));
        }
        fields.push(field);
    }
    if !fields.contains(&spec.id) {
        fields.insert(0, spec.id);
    }
    Ok(Some(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::FieldType;

    static FIELDS: [FieldMeta; 3] = [
        FieldMeta::new("id", "id", FieldType::Int).filter().sort(),
        FieldMeta::new("limit", "limit_col", FieldType::Int).filter(),
        FieldMeta::new("name", "name", FieldType::String).filter(),
    ];
    static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

    fn codec() -> CursorCodec {
        CursorCodec::new(b"unit test secret")
    }

    #[test]
    fn reserved_names_win_and_fields_shadowed_by_them_use_eq() {
        let q = ListQuery::parse("limit=3&limit[eq]=9", &SPEC, &codec()).unwrap();
        assert_eq!(q.page.limit(), 3);
        assert_eq!(q.filters[0].values, vec![Value::Int(9)]);
        let rendered = q.to_query_string(&codec());
        assert!(rendered.contains("limit%5Beq%5D=9"), "{rendered}");
        assert_eq!(ListQuery::parse(&rendered, &SPEC, &codec()).unwrap(), q);
    }

    #[test]
    fn text_checks_name_the_key() {
        assert!(check_text("name", "plain").is_ok());
        let code = |k: &str, v: &str| check_text(k, v).unwrap_err().details()[0].code.clone();
        assert_eq!(code("name", "a\u{FFFD}"), "invalid_encoding");
        assert_eq!(code("na\0me", "x"), "invalid_encoding");
        assert_eq!(code("name", &"x".repeat(MAX_VALUE_LEN + 1)), "too_long");
        assert!(check_text("cursor", &"x".repeat(MAX_VALUE_LEN + 1)).is_ok());
    }

    #[test]
    fn rendering_is_canonical() {
        let q = ListQuery::parse("name=a+b&perPage=5", &SPEC, &codec()).unwrap();
        assert_eq!(
            q.to_query_string(&codec()),
            "page=1&perPage=5&sort=id&name=a+b"
        );
        let c = ListQuery::parse("cursor=", &SPEC, &codec()).unwrap();
        assert_eq!(c.to_query_string(&codec()), "cursor=&perPage=20&sort=id");
    }

    #[test]
    fn a_zero_max_per_page_spec_still_yields_a_positive_limit() {
        static ODD: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]).per_page(0, 0);
        assert_eq!(
            ListQuery::parse("", &ODD, &codec()).unwrap().page.limit(),
            1
        );
    }
}

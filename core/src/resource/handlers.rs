//! The generic handlers behind [`routes`].

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use heck::ToLowerCamelCase;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;

use super::body::read_body;
use super::etag::{etag_of, matches, matches_weak};
use super::{Change, HookContext, Hooks, Resource, WriteContext};
use crate::app::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::events::{Action, Event};
use crate::query::{FieldMeta, Filter, FilterOp, ListQuery, Value};
use crate::rate_limit::{Quota, RateLimitLayer};
use crate::rbac::{Grant, ScopeRequest};
use crate::repo::{CachedRepository, EntityId, Repository, SqlRepository};
use crate::response::{Envelope, List};
use crate::{AppError, FieldError, Json, Path};
use futures_util::future::BoxFuture;

/// The router of resource `R`: `/<plural>`, `/<plural>/{id}` and one nested
/// collection per `belongs_to` parent, to be mounted under `/api/v1` with
/// [`App::api`](crate::App::api).
///
/// # Panics
/// When `R::RATE_LIMIT` is not a valid quota (`#[derive(Resource)]` checks it
/// at compile time; a hand-written impl fails at start-up).
pub fn routes<R: Resource>() -> Router<AppState> {
    let collection = format!("/{}", R::PATH);
    let member = format!("/{}/{{id}}", R::PATH);
    let mut router = Router::new()
        .route(&collection, get(list::<R>).post(create::<R>))
        .route(
            &member,
            get(read::<R>)
                .put(replace::<R>)
                .patch(patch::<R>)
                .delete(remove::<R>),
        );
    for (index, parent) in R::PARENTS.iter().enumerate() {
        let nested = format!("/{}/{{parent_id}}/{}", parent.path, R::PATH);
        router = router.route(
            &nested,
            get(
                move |state: State<AppState>,
                      user: AuthUser,
                      Path(parent_id): Path<String>,
                      query: RawQuery| async move {
                    let parent = parent_filter::<R>(index, &parent_id)?;
                    list_in::<R>(state, user, Some(parent), query).await
                },
            )
            .post(
                move |state: State<AppState>,
                      user: AuthUser,
                      Path(parent_id): Path<String>,
                      Json(body): Json<serde_json::Value>| async move {
                    let parent = parent_filter::<R>(index, &parent_id)?;
                    let value = parent.values.first().cloned().unwrap_or(Value::Null);
                    let field = parent.field;
                    create_in::<R>(state, user, Some((field, value)), body)
                        .await
                        .map_err(|err| missing_parent(field, err))
                },
            ),
        );
    }
    if let Some(quota) = R::RATE_LIMIT {
        let quota: Quota = quota
            .parse()
            .unwrap_or_else(|e| panic!("invalid rate limit on resource `{}`: {e}", R::PATH));
        router = router.route_layer(RateLimitLayer::per_user(quota));
    }
    router
}

/// The filters every row touched by `action` must match: the permission's scope
/// plus the hooks' extra scope. 403 without the permission.
async fn access<R: Resource>(
    state: &AppState,
    user: &AuthUser,
    action: &str,
) -> Result<Vec<Filter>, AppError> {
    let grant = state.policy().grant(&user.role, R::PERMISSION, action);
    if grant == Grant::Denied {
        return Err(AppError::forbidden(format!(
            "Missing permission {}:{action}",
            R::PERMISSION
        )));
    }
    let request = ScopeRequest {
        state,
        user,
        resource: R::PERMISSION,
        spec: R::SPEC,
        owner: R::OWNER,
    };
    let mut filters = state
        .scopes()
        .filters(&grant, request)
        .await?
        .unwrap_or_default();
    let hooks = R::Hooks::default();
    filters.extend(hooks.scope(HookContext { state, user }).await?);
    Ok(filters)
}

/// [`crate::events::ReadAccess`] for `R`: the filters a caller's reads of `R`
/// go through (`Err(Forbidden)` without `<perm>:read`).
pub fn read_access<'a, R: Resource>(
    state: &'a AppState,
    user: &'a AuthUser,
) -> BoxFuture<'a, Result<Vec<Filter>, AppError>> {
    Box::pin(access::<R>(state, user, "read"))
}

/// The end of every write, inside its transaction: the in-transaction hook,
/// the audit entry, the commit, then the event (published only once committed).
async fn finish_write<R: Resource>(
    context: HookContext<'_>,
    hooks: &R::Hooks,
    mut tx: Tx,
    change: Change<'_, R>,
) -> Result<(), AppError> {
    hooks.in_transaction(context, &mut tx, change).await?;
    let (action, row, before, after) = match change {
        Change::Created(row) => (Action::Created, row, None, Some(row)),
        Change::Updated { before, after } => (Action::Updated, after, Some(before), Some(after)),
        Change::Deleted(row) => (Action::Deleted, row, Some(row), None),
    };
    let before = before.map(serde_json::to_value).transpose()?;
    let after = after.map(serde_json::to_value).transpose()?;
    let id = row.id().to_string();
    if R::AUDIT {
        let changes = audit::diff(before.as_ref(), after.as_ref(), R::REDACT);
        let entry = AuditEntry::new(Some(context.user.id), action, R::PATH, id.clone(), changes);
        audit::record(context.state, &mut tx, &entry).await?;
    }
    tx.commit().await?;
    if let Some(jobs) = context.state.jobs() {
        // A hook may have queued jobs in the transaction: relay them now.
        jobs.outbox_committed();
    }
    let data = after.or(before).unwrap_or(serde_json::Value::Null);
    let event = Event::new(
        R::PATH,
        R::PERMISSION,
        action,
        id,
        data,
        Some(context.user.id),
    );
    context.state.events().publish(event).await;
    Ok(())
}

fn parent_filter<R: Resource>(index: usize, raw: &str) -> Result<Filter, AppError> {
    let parent = R::PARENTS[index];
    let value = Value::parse(raw, parent.field.ty)
        .map_err(|_| AppError::bad_parameter("parentId", "invalid_value", "is not a valid id"))?;
    Ok(Filter {
        field: parent.field,
        op: FilterOp::Eq,
        values: vec![value],
    })
}

fn parse_id<R: Resource>(raw: &str) -> Result<R::Id, AppError> {
    R::Id::parse_id(raw)
        .ok_or_else(|| AppError::bad_parameter("id", "invalid_value", "is not a valid id"))
}

fn cache_key<R: Resource>(id: &R::Id) -> String {
    CachedRepository::<R, SqlRepository<R>>::key(id)
}

async fn invalidate<R: Resource>(state: &AppState, id: &R::Id) {
    if R::CACHE
        && let Some(cache) = state.cache()
    {
        cache.invalidate(&cache_key::<R>(id)).await;
    }
}

fn etag_for<R: Resource>(row: &R) -> Result<HeaderValue, AppError> {
    Ok(match row.version() {
        Some(version) => etag_of(Some(version), &[]),
        None => etag_of(None, &serde_json::to_vec(row)?),
    })
}

fn item_response<R: Resource>(
    status: StatusCode,
    row: &R,
    location: Option<String>,
) -> Result<Response, AppError> {
    let etag = etag_for(row)?;
    tagged_item_response(status, row, etag, location)
}

/// [`item_response`] with the row's ETag already computed (a GET needs it
/// first, for `If-None-Match`; an unversioned row's tag costs a serialisation).
fn tagged_item_response<T: Serialize>(
    status: StatusCode,
    row: &T,
    etag: HeaderValue,
    location: Option<String>,
) -> Result<Response, AppError> {
    let body = serde_json::to_vec(&Envelope::new(row))?;
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    response.headers_mut().insert(header::ETAG, etag);
    if let Some(location) = location {
        let value = HeaderValue::try_from(location).map_err(AppError::internal)?;
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// 412 when `If-Match` is present and does not list the row's current ETag.
fn check_if_match<R: Resource>(headers: &HeaderMap, current: &R) -> Result<(), AppError> {
    match headers.get(header::IF_MATCH) {
        Some(wanted) if !matches(wanted, &etag_for(current)?) => Err(AppError::PreconditionFailed(
            "The resource has changed: its ETag no longer matches If-Match".into(),
        )),
        _ => Ok(()),
    }
}

/// The rows of `page` keeping only the `fields=` the client asked for.
fn sparse<T: Serialize>(
    items: Vec<T>,
    fields: &[&'static FieldMeta],
) -> Result<Vec<serde_json::Value>, AppError> {
    items
        .into_iter()
        .map(|item| {
            let mut value = serde_json::to_value(item)?;
            if let serde_json::Value::Object(map) = &mut value {
                map.retain(|key, _| fields.iter().any(|f| f.name == key));
            }
            Ok(value)
        })
        .collect()
}

async fn list<R: Resource>(
    state: State<AppState>,
    user: AuthUser,
    query: RawQuery,
) -> Result<Response, AppError> {
    list_in::<R>(state, user, None, query).await
}

async fn list_in<R: Resource>(
    State(state): State<AppState>,
    user: AuthUser,
    parent: Option<Filter>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let scope = access::<R>(&state, &user, "read").await?;
    let mut query = ListQuery::parse(raw.as_deref().unwrap_or(""), R::SPEC, state.cursor_codec())?;
    query.filters.extend(scope);
    query.filters.extend(parent);
    let page = state.repository::<R>().list(state.db(), &query).await?;
    Ok(match &query.fields {
        None => List::from(page).into_response(),
        Some(fields) => List::new(sparse(page.items, fields)?, page.pagination).into_response(),
    })
}

async fn read<R: Resource>(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let scope = access::<R>(&state, &user, "read").await?;
    let id = parse_id::<R>(&raw_id)?;
    let fields = crate::query::sparse_fields(query.as_deref(), R::SPEC)?;
    let repo = state.repository::<R>();
    let cached = if R::CACHE && scope.is_empty() {
        state.cache()
    } else {
        None
    };
    let row = match cached {
        // A cached row cannot be checked against SQL scope filters, so only
        // unscoped callers read through the cache.
        Some(cache) => {
            cache
                .get_or_load(&cache_key::<R>(&id), || repo.find_by_id(state.db(), &id))
                .await?
        }
        None => repo.find_where(state.db(), &id, &scope).await?,
    }
    .ok_or_else(AppError::not_found)?;
    let etag = etag_for(&row)?;
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|h| matches_weak(h, &etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    match fields {
        // A sparse representation keeps the row's ETag (the version `If-Match`
        // compares with).
        Some(fields) => {
            let mut sparse = sparse(vec![row], &fields)?;
            tagged_item_response(StatusCode::OK, &sparse.remove(0), etag, None)
        }
        None => tagged_item_response(StatusCode::OK, &row, etag, None),
    }
}

async fn create<R: Resource>(
    state: State<AppState>,
    user: AuthUser,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, AppError> {
    create_in::<R>(state, user, None, body).await
}

/// A failed write's error, its transaction rolled back first (the lookup
/// below may need the pool's only connection). A constraint conflict's
/// `details` are put in API names: Postgres names the column (`student_id` →
/// `studentId`), which differs from the field's name when it has its own
/// `column = "…"`. A foreign-key violation whose database did not name the
/// column (SQLite never does) gets it when the table has exactly one foreign
/// key (`pragma_foreign_key_list`, on the error path only).
async fn name_reference<R: Resource>(state: &AppState, tx: Tx, err: AppError) -> AppError {
    use crate::error::{REFERENCE_CODE, REFERENCE_CONFLICT, REFERENCE_MESSAGE};
    drop(tx);
    let AppError::Conflict { message, details } = err else {
        return err;
    };
    if !details.is_empty() {
        let details = details
            .into_iter()
            .map(|mut detail| {
                if let Some(field) = R::SPEC
                    .fields
                    .iter()
                    .find(|f| f.column.to_lower_camel_case() == detail.field)
                {
                    detail.field = field.name.to_owned();
                }
                detail
            })
            .collect();
        return AppError::Conflict { message, details };
    }
    let field = match state.db().as_sqlite() {
        Some(pool) if message == REFERENCE_CONFLICT => {
            sqlx::query_as::<_, (String,)>("SELECT \"from\" FROM pragma_foreign_key_list(?)")
                .bind(R::TABLE)
                .fetch_all(pool)
                .await
                .ok()
                .and_then(|columns| match columns.as_slice() {
                    [(column,)] => R::SPEC.fields.iter().find(|f| f.column == column),
                    _ => None,
                })
        }
        _ => None,
    };
    let details = field
        .map(|field| {
            vec![FieldError::new(
                field.name,
                REFERENCE_CODE,
                REFERENCE_MESSAGE,
            )]
        })
        .unwrap_or_default();
    AppError::Conflict { message, details }
}

/// On a nested route the parent is part of the path, so a parent the
/// request cannot use is a 404 (SPEC §3: no such row), not a body error:
/// a foreign-key conflict naming the parent column (on SQLite only when the
/// table has one foreign key; else a 409 without details), or a hook refusing
/// that column as `not_found` (a hook that looks the parent up with
/// [`HookContext::find_readable`] makes a parent the caller may not see
/// answer so too; without such a hook only a missing parent is caught).
fn missing_parent(field: &FieldMeta, err: AppError) -> AppError {
    let names_parent = |details: &[FieldError], code: &str| {
        details
            .iter()
            .any(|detail| detail.field == field.name && detail.code == code)
    };
    match &err {
        AppError::Validation(details) if names_parent(details, "not_found") => {
            AppError::not_found()
        }
        AppError::Conflict { details, .. }
            if names_parent(details, crate::error::REFERENCE_CODE) =>
        {
            AppError::not_found()
        }
        _ => err,
    }
}

/// Field rules plus [`Hooks::validate`]: one 422 with every failure.
async fn validate_row<R: Resource>(
    hooks: &R::Hooks,
    context: HookContext<'_>,
    mut errors: Vec<FieldError>,
    row: &R,
    current: Option<&R>,
) -> Result<(), AppError> {
    errors.extend(hooks.validate(context, row, current).await?);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

async fn create_in<R: Resource>(
    State(state): State<AppState>,
    user: AuthUser,
    parent: Option<(&'static FieldMeta, Value)>,
    body: serde_json::Value,
) -> Result<Response, AppError> {
    let scope = access::<R>(&state, &user, "create").await?;
    let (body, mut errors): (R::Create, _) = read_body::<R, _>(body)?;
    let context = WriteContext {
        user: &user,
        parent,
    };
    let mut row = match R::from_create(body, &context) {
        Ok(row) => row,
        // A missing parent column: in the same 422 as the field rules.
        Err(AppError::Validation(more)) => {
            errors.extend(more);
            return Err(AppError::validation(errors));
        }
        Err(err) => return Err(err),
    };
    let hooks = R::Hooks::default();
    let context = HookContext {
        state: &state,
        user: &user,
    };
    validate_row(&hooks, context, errors, &row, None).await?;
    hooks.before_create(context, &mut row).await?;
    let repo = state.repository::<R>();
    let mut tx = state.db().begin().await?;
    let created = match repo.create(&mut tx, &row).await {
        Ok(created) => created,
        Err(err) => return Err(name_reference::<R>(&state, tx, err).await),
    };
    if !scope.is_empty()
        && repo
            .find_where(&mut tx, created.id(), &scope)
            .await?
            .is_none()
    {
        tx.rollback().await?;
        return Err(AppError::forbidden(
            "The new row would be outside your access scope",
        ));
    }
    finish_write::<R>(context, &hooks, tx, Change::Created(&created)).await?;
    hooks.after_create(context, &created).await?;
    let location = format!("/api/v1/{}/{}", R::PATH, created.id());
    item_response(StatusCode::CREATED, &created, Some(location))
}

async fn replace<R: Resource>(
    state: State<AppState>,
    user: AuthUser,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, AppError> {
    update_with::<R>(state, user, &raw_id, &headers, |row| {
        let (body, errors): (R::Replace, _) = read_body::<R, _>(body)?;
        row.replace(body);
        Ok(errors)
    })
    .await
}

async fn patch<R: Resource>(
    state: State<AppState>,
    user: AuthUser,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, AppError> {
    update_with::<R>(state, user, &raw_id, &headers, |row| {
        let (body, errors): (R::Patch, _) = read_body::<R, _>(body)?;
        row.patch(body);
        Ok(errors)
    })
    .await
}

/// Load in scope (404) → `If-Match` (412) → apply the body (422) → hooks →
/// write with the version read (412 on a concurrent write) → re-check the scope.
async fn update_with<R: Resource>(
    State(state): State<AppState>,
    user: AuthUser,
    raw_id: &str,
    headers: &HeaderMap,
    apply: impl FnOnce(&mut R) -> Result<Vec<FieldError>, AppError>,
) -> Result<Response, AppError> {
    let scope = access::<R>(&state, &user, "update").await?;
    let id = parse_id::<R>(raw_id)?;
    let repo = state.repository::<R>();
    let current = repo
        .find_where(state.db(), &id, &scope)
        .await?
        .ok_or_else(AppError::not_found)?;
    check_if_match(headers, &current)?;
    let mut next = current.clone();
    let errors = apply(&mut next)?;
    let hooks = R::Hooks::default();
    let context = HookContext {
        state: &state,
        user: &user,
    };
    validate_row(&hooks, context, errors, &next, Some(&current)).await?;
    hooks.before_update(context, &current, &mut next).await?;
    let mut tx = state.db().begin().await?;
    let updated = match repo.update(&mut tx, &id, &next, current.version()).await {
        Ok(updated) => updated,
        Err(err) => return Err(name_reference::<R>(&state, tx, err).await),
    };
    if !scope.is_empty() && repo.find_where(&mut tx, &id, &scope).await?.is_none() {
        tx.rollback().await?;
        return Err(AppError::forbidden(
            "The change would move the row outside your access scope",
        ));
    }
    let change = Change::Updated {
        before: &current,
        after: &updated,
    };
    finish_write::<R>(context, &hooks, tx, change).await?;
    invalidate::<R>(&state, &id).await;
    hooks.after_update(context, &updated).await?;
    item_response(StatusCode::OK, &updated, None)
}

async fn remove<R: Resource>(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let scope = access::<R>(&state, &user, "delete").await?;
    let id = parse_id::<R>(&raw_id)?;
    let repo = state.repository::<R>();
    let current = repo
        .find_where(state.db(), &id, &scope)
        .await?
        .ok_or_else(AppError::not_found)?;
    check_if_match(&headers, &current)?;
    let hooks = R::Hooks::default();
    let context = HookContext {
        state: &state,
        user: &user,
    };
    hooks.before_delete(context, &current).await?;
    let mut tx = state.db().begin().await?;
    repo.delete(&mut tx, &id, current.version()).await?;
    finish_write::<R>(context, &hooks, tx, Change::Deleted(&current)).await?;
    invalidate::<R>(&state, &id).await;
    hooks.after_delete(context, &current).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

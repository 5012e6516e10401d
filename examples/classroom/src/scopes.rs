//! The `child` scope: a guardian sees the rows of the students linked to it.

use strata::AppError;
use strata::query::{Filter, FilterOp, Value};
use strata::rbac::{Scope, ScopeRequest};
use strata::sqlx;
use uuid::Uuid;

/// `owner IN (students linked to the calling guardian)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Child;

impl Scope for Child {
    fn filters<'a>(
        &'a self,
        request: ScopeRequest<'a>,
    ) -> futures_util::future::BoxFuture<'a, Result<Vec<Filter>, AppError>> {
        Box::pin(async move {
            let owner = request.owner.ok_or_else(|| {
                AppError::internal(format!(
                    "`child` scope on `{}`, which has no owner column",
                    request.resource
                ))
            })?;
            const SQL: &str = "SELECT student_id FROM guardian_links WHERE guardian_id = $1";
            let linked: Vec<(Uuid,)> = match request.state.db() {
                strata::Db::Sqlite(pool) => {
                    sqlx::query_as(SQL)
                        .bind(request.user.id)
                        .fetch_all(pool)
                        .await?
                }
                strata::Db::Postgres(pool) => {
                    sqlx::query_as(SQL)
                        .bind(request.user.id)
                        .fetch_all(pool)
                        .await?
                }
            };
            // With no linked student the filter must match nothing (`IN ()` is not SQL).
            let values = if linked.is_empty() {
                vec![Value::Uuid(Uuid::nil())]
            } else {
                linked.into_iter().map(|(id,)| Value::Uuid(id)).collect()
            };
            Ok(vec![Filter {
                field: owner,
                op: FilterOp::In,
                values,
            }])
        })
    }
}

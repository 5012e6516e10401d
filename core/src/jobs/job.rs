use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::AppState;

/// Why a job run failed. Any error converts with `?`; the message is kept in
/// the dead-letter row when the job runs out of attempts.
pub type JobError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A unit of background work: a serialisable value and what to do with it.
///
/// The value is what is queued (as JSON), so keep it small: ids, not rows.
/// `run` may be called more than once for one enqueue (a retry after an
/// error, or a resumed run after a worker died mid-job), so it must be safe to
/// repeat.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use strata::jobs::{Job, JobContext, JobError};
///
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// struct SendWelcome {
///     user_id: uuid::Uuid,
/// }
///
/// impl Job for SendWelcome {
///     const NAME: &'static str = "send_welcome";
///
///     async fn run(self, ctx: JobContext) -> Result<(), JobError> {
///         tracing::info!(user = %self.user_id, attempt = ctx.attempt(), "welcome sent");
///         Ok(())
///     }
/// }
/// ```
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// The queue name: unique per job type, stable across deploys (it is
    /// stored with every queued job).
    const NAME: &'static str;

    /// Runs allowed before the job is dead-lettered. Default 5.
    const MAX_ATTEMPTS: u32 = 5;

    /// Delay before the first retry; it doubles with each retry (with
    /// jitter), up to [`MAX_BACKOFF`](Self::MAX_BACKOFF). Default 1 s.
    const BACKOFF: Duration = Duration::from_secs(1);

    /// The longest delay between two retries. Default 5 min.
    const MAX_BACKOFF: Duration = Duration::from_secs(300);

    /// Does the work.
    fn run(self, ctx: JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What a running job can reach: the app's state (database, events, the
/// queue itself) and which attempt this is.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub(crate) state: AppState,
    pub(crate) id: String,
    pub(crate) attempt: u32,
}

impl JobContext {
    /// The app's state: `ctx.state().db()`, `ctx.state().jobs()`, ….
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The queued job's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// 1 on the first run, 2 on the first retry, ….
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

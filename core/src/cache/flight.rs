//! Single-flight: at most one load per key at a time, its result shared with
//! every caller that asked meanwhile.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// What a leader hands to the callers waiting on it.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// The load succeeded: the value as JSON, or `None` when the source had none.
    Loaded(Option<Arc<[u8]>>),
    /// The load failed, panicked or was cancelled; waiters should try again.
    Failed,
}

/// The loads in progress, by cache key.
#[derive(Debug, Default)]
pub(crate) struct Flights {
    in_flight: Mutex<HashMap<String, Flight>>,
    next_id: AtomicU64,
}

#[derive(Debug, Clone)]
struct Flight {
    id: u64,
    done: watch::Receiver<Option<Outcome>>,
    stale: Arc<AtomicBool>,
}

/// A caller's part in a flight.
pub(crate) enum Role<'a> {
    /// No load was running: this caller runs it.
    Lead(Leader<'a>),
    /// A load is running: this caller waits for its outcome.
    Wait(Waiter),
}

/// The one caller running the load for a key. Dropping it without
/// [`Leader::finish`] (error, panic, cancellation) reports [`Outcome::Failed`].
pub(crate) struct Leader<'a> {
    flights: &'a Flights,
    key: String,
    id: u64,
    done: watch::Sender<Option<Outcome>>,
    stale: Arc<AtomicBool>,
}

/// A caller waiting on another caller's load.
pub(crate) struct Waiter {
    done: watch::Receiver<Option<Outcome>>,
}

impl Flights {
    /// Join the load running for `key`, or become its leader.
    pub(crate) fn join_or_lead(&self, key: &str) -> Role<'_> {
        let mut in_flight = self.lock();
        if let Some(flight) = in_flight.get(key) {
            return Role::Wait(Waiter {
                done: flight.done.clone(),
            });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (done, receiver) = watch::channel(None);
        let stale = Arc::new(AtomicBool::new(false));
        let flight = Flight {
            id,
            done: receiver,
            stale: Arc::clone(&stale),
        };
        in_flight.insert(key.to_owned(), flight);
        Role::Lead(Leader {
            flights: self,
            key: key.to_owned(),
            id,
            done,
            stale,
        })
    }

    /// Mark the load running for `key` (if any) as stale: it must not write its
    /// result to the cache, because the source changed after the load began.
    pub(crate) fn mark_stale(&self, key: &str) {
        if let Some(flight) = self.lock().get(key) {
            flight.stale.store(true, Ordering::Release);
        }
    }

    /// How many loads are running.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Flight>> {
        // The map is valid after any panic: every change is one insert or remove.
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Leader<'_> {
    /// Whether the key was invalidated while this load ran.
    pub(crate) fn is_stale(&self) -> bool {
        self.stale.load(Ordering::Acquire)
    }

    /// Hand `outcome` to every waiter and end the flight.
    pub(crate) fn finish(self, outcome: Outcome) {
        self.done.send_replace(Some(outcome));
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let mut in_flight = self.flights.lock();
        if in_flight.get(&self.key).is_some_and(|f| f.id == self.id) {
            in_flight.remove(&self.key);
        }
        drop(in_flight);
        // Waiters still waiting learn that the load ended without a value.
        self.done.send_if_modified(|outcome| {
            if outcome.is_none() {
                *outcome = Some(Outcome::Failed);
                true
            } else {
                false
            }
        });
    }
}

impl Waiter {
    /// The leader's outcome, once it has one.
    pub(crate) async fn outcome(mut self) -> Outcome {
        match self.done.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(Outcome::Failed),
            Err(_) => Outcome::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead<'a>(flights: &'a Flights, key: &str) -> Leader<'a> {
        match flights.join_or_lead(key) {
            Role::Lead(leader) => leader,
            Role::Wait(_) => panic!("expected to lead {key}"),
        }
    }

    fn wait(flights: &Flights, key: &str) -> Waiter {
        match flights.join_or_lead(key) {
            Role::Wait(waiter) => waiter,
            Role::Lead(_) => panic!("expected to wait on {key}"),
        }
    }

    #[tokio::test]
    async fn waiters_get_the_leaders_value_and_the_flight_ends() {
        let flights = Flights::default();
        let leader = lead(&flights, "k");
        let waiter = wait(&flights, "k");
        let _other = lead(&flights, "other");
        assert_eq!(flights.len(), 2);
        leader.finish(Outcome::Loaded(Some(Arc::from(&b"42"[..]))));
        match waiter.outcome().await {
            Outcome::Loaded(Some(bytes)) => assert_eq!(&*bytes, b"42"),
            other => panic!("{other:?}"),
        }
        assert_eq!(flights.len(), 1);
        drop(lead(&flights, "k"));
    }

    #[tokio::test]
    async fn a_dropped_leader_fails_its_waiters_and_frees_the_key() {
        let flights = Flights::default();
        let leader = lead(&flights, "k");
        let waiter = wait(&flights, "k");
        drop(leader);
        assert!(matches!(waiter.outcome().await, Outcome::Failed));
        assert_eq!(flights.len(), 0);
        drop(lead(&flights, "k"));
    }

    #[tokio::test]
    async fn a_panicking_leader_frees_the_key() {
        let flights = Arc::new(Flights::default());
        let in_task = Arc::clone(&flights);
        let task = tokio::spawn(async move {
            let _leader = lead(&in_task, "k");
            panic!("loader blew up");
        });
        assert!(task.await.unwrap_err().is_panic());
        assert_eq!(flights.len(), 0);
        drop(lead(&flights, "k"));
    }

    #[test]
    fn invalidation_marks_only_the_running_load_stale() {
        let flights = Flights::default();
        flights.mark_stale("k");
        let leader = lead(&flights, "k");
        assert!(!leader.is_stale());
        flights.mark_stale("k");
        assert!(leader.is_stale());
    }
}

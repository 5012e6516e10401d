//! Success envelopes: single items, offset lists and cursor lists.
//!
//! Handlers return one of these types instead of a bare `Json`:
//!
//! | type | status | body |
//! |---|---|---|
//! | [`Item<T>`] | 200 | `{"success":true,"data":{…},"meta":{…}}` |
//! | [`Created<T>`] | 201 + `Location` | as `Item` |
//! | [`NoContent`] | 204 | none |
//! | [`List<T>`] | 200 | `data: […]` plus `pagination` (offset or cursor) |
//!
//! `meta` carries the request id and an RFC 3339 timestamp.

mod envelope;
mod reply;

pub use envelope::{Envelope, Meta, Pagination};
pub use reply::{Created, Item, List, NoContent};

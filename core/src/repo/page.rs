use crate::response::{List, Pagination};

/// One page of a list, with its pagination.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page, in order.
    pub items: Vec<T>,
    /// Offset (with totals) or cursor pagination.
    pub pagination: Pagination,
}

impl<T> Page<T> {
    /// Transforms every item, keeping the pagination.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            pagination: self.pagination,
        }
    }
}

impl<T> From<Page<T>> for List<T> {
    fn from(page: Page<T>) -> Self {
        List::new(page.items, page.pagination)
    }
}

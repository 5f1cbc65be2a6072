//! The one paginator: implementations fetch one page, the SDK turns pages into a stream.
//!
//! Mirrors OpenDAL's `PageLister` and object_store's `stream_paginated`: a connector writes
//! `fetch(cursor) -> Page`, and [`paginate`] yields the page's messages in order, asks for the
//! next page only when the consumer wants more (so memory stays flat), stops when a page has no
//! next cursor, and fails with [`Error::InvalidResponse`] if the service hands back a cursor it
//! already gave (a loop) or keeps handing out fresh cursors with empty pages (an endless walk:
//! [`MAX_EMPTY_PAGES`] in a row). The loop guard remembers the last [`REMEMBERED_CURSORS`]
//! cursors, so its memory is bounded however long the walk.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::Hash;

use futures::StreamExt as _;
use futures::stream::{self, BoxStream};

use crate::error::{Error, Result};
use crate::message::Message;

/// Consecutive pages that held no item but a next cursor before a walk is called endless.
pub const MAX_EMPTY_PAGES: u32 = 5;

/// How many of the latest cursors the loop guard remembers.
pub const REMEMBERED_CURSORS: usize = 10_000;

/// The hasher of cursor fingerprints (fixed keys: only equality within one walk matters).
const FIXED: std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher> =
    std::hash::BuildHasherDefault::new();

/// One fetched page: the messages to emit (records, then usually a state) and where to go next.
#[derive(Debug)]
pub struct Page<C> {
    /// Messages to emit, in order.
    pub messages: Vec<Message>,
    /// The next page's cursor; `None` ends the stream.
    pub next: Option<C>,
    /// How many items the service returned on this page (before any filtering by the
    /// connector): a walk of empty pages that never ends is stopped.
    pub received: usize,
}

impl<C> Page<C> {
    /// A page of `messages` made from `received` service items, going on at `next`.
    pub fn new(messages: Vec<Message>, next: Option<C>, received: usize) -> Self {
        Page {
            messages,
            next,
            received,
        }
    }
}

/// The bounds every walk keeps, whoever drives it: no cursor handed out twice (the last
/// [`REMEMBERED_CURSORS`], as 64-bit fingerprints: a walk of 10,000 pages holds 160 KiB, not
/// 10,000 cursor copies), and no more than [`MAX_EMPTY_PAGES`] empty pages in a row that still
/// point at a next one. [`paginate`] uses it; a connector walking a list by hand (a parent list,
/// say) uses the same one.
#[derive(Debug, Default)]
pub struct WalkGuard {
    seen: HashSet<u64>,
    order: VecDeque<u64>,
    empty: u32,
}

impl WalkGuard {
    /// A guard for a new walk.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called before a cursor is followed: an error if the walk already followed it.
    pub fn follow<C: Hash>(&mut self, cursor: &C) -> Result<()> {
        use std::hash::BuildHasher as _;
        let print = FIXED.hash_one(cursor);
        if !self.seen.insert(print) {
            return Err(Error::invalid_response(
                "a new pagination cursor",
                "the service returned a cursor it had already returned (a pagination loop)",
            ));
        }
        self.order.push_back(print);
        if self.order.len() > REMEMBERED_CURSORS
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        Ok(())
    }

    /// Called after each page with how many items the service returned and whether it points at
    /// a next page: an error after [`MAX_EMPTY_PAGES`] empty pages in a row that do.
    pub fn page(&mut self, received: usize, has_next: bool) -> Result<()> {
        self.empty = if received == 0 && has_next {
            self.empty + 1
        } else {
            0
        };
        if self.empty >= MAX_EMPTY_PAGES {
            return Err(Error::invalid_response(
                "a page with items or no next cursor",
                format!(
                    "the service returned {MAX_EMPTY_PAGES} empty pages in a row, each with a new next cursor (an endless walk); the read stops here, and what was read before is kept"
                ),
            ));
        }
        Ok(())
    }
}

/// Streams pages from `fetch`, starting at `first`, within a [`WalkGuard`].
pub fn paginate<C, F, Fut>(first: C, fetch: F) -> BoxStream<'static, Result<Message>>
where
    C: Clone + Eq + Hash + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<C>>> + Send + 'static,
{
    struct St<C, F> {
        next: Option<C>,
        guard: WalkGuard,
        fetch: F,
    }
    let init = St {
        next: Some(first),
        guard: WalkGuard::new(),
        fetch,
    };
    stream::try_unfold(init, |mut st| async move {
        let Some(cursor) = st.next.take() else {
            return Ok(None);
        };
        st.guard.follow(&cursor)?;
        let page = (st.fetch)(cursor).await?;
        st.guard.page(page.received, page.next.is_some())?;
        st.next = page.next;
        Ok(Some((stream::iter(page.messages.into_iter().map(Ok)), st)))
    })
    .map(|r| match r {
        Ok(s) => s.left_stream(),
        Err(e) => stream::iter(std::iter::once(Err(e))).right_stream(),
    })
    .flatten()
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::LogLevel;
    use crate::message::LogMessage;

    fn log(n: u32) -> Message {
        Message::Log(LogMessage {
            level: LogLevel::Info,
            message: n.to_string(),
        })
    }

    #[tokio::test]
    async fn pages_in_order_until_no_next() {
        let s = paginate(0u32, |c| async move {
            Ok(Page::new(vec![log(c)], (c < 3).then_some(c + 1), 1))
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got.len(), 4);
    }

    #[tokio::test]
    async fn a_cursor_loop_is_an_error_not_an_endless_read() {
        let s = paginate(0u32, |c| async move {
            Ok(Page::new(vec![log(c)], Some((c + 1) % 2), 1))
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got.len(), 3);
        assert!(matches!(got[2], Err(Error::InvalidResponse { .. })));
    }

    #[tokio::test]
    async fn fresh_cursors_with_empty_pages_end_in_an_error() {
        let s = paginate(0u64, |c| async move {
            Ok(Page::new(vec![log(c as u32)], Some(c + 1), 0))
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got.len(), MAX_EMPTY_PAGES as usize);
        let Some(Err(Error::InvalidResponse { detail, .. })) = got.last() else {
            panic!("{got:?}")
        };
        assert!(detail.contains("empty pages in a row"), "{detail}");
        // Pages with items reset the count: a long walk of full pages goes on.
        let s = paginate(0u64, |c| async move {
            Ok(Page::new(
                Vec::new(),
                (c < 40).then_some(c + 1),
                (c % 4 == 0) as usize,
            ))
        });
        let got: Vec<_> = s.collect().await;
        assert!(got.iter().all(Result::is_ok));
    }

    #[tokio::test]
    async fn the_loop_guard_remembers_a_bounded_number_of_cursors() {
        let total = REMEMBERED_CURSORS as u64 + 50;
        let s = paginate(0u64, move |c| async move {
            Ok(Page::new(Vec::new(), (c < total).then_some(c + 1), 1))
        });
        let got: Vec<_> = s.collect().await;
        assert!(got.is_empty());
    }

    #[tokio::test]
    async fn fetches_lazily() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};
        let calls = Arc::new(AtomicU32::new(0));
        let c2 = calls.clone();
        let mut s = paginate(0u32, move |c| {
            c2.fetch_add(1, Ordering::SeqCst);
            async move { Ok(Page::new(vec![log(c)], Some(c + 1), 1)) }
        });
        s.next().await.unwrap().unwrap();
        s.next().await.unwrap().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}

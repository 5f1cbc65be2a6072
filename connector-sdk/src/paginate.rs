//! The one paginator: implementations fetch one page, the SDK turns pages into a stream.
//!
//! Mirrors OpenDAL's `PageLister` and object_store's `stream_paginated`: a connector writes
//! `fetch(cursor) -> Page`, and [`paginate`] yields the page's messages in order, asks for the
//! next page only when the consumer wants more (so memory stays flat), stops when a page has no
//! next cursor, and fails with [`Error::InvalidResponse`] if the service hands back a cursor it
//! already gave (a loop).

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

use futures::StreamExt as _;
use futures::stream::{self, BoxStream};

use crate::error::{Error, Result};
use crate::message::Message;

/// One fetched page: the messages to emit (records, then usually a state) and where to go next.
#[derive(Debug)]
pub struct Page<C> {
    /// Messages to emit, in order.
    pub messages: Vec<Message>,
    /// The next page's cursor; `None` ends the stream.
    pub next: Option<C>,
}

/// Streams pages from `fetch`, starting at `first`.
pub fn paginate<C, F, Fut>(first: C, fetch: F) -> BoxStream<'static, Result<Message>>
where
    C: Clone + Eq + Hash + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<C>>> + Send + 'static,
{
    struct St<C, F> {
        next: Option<C>,
        seen: HashSet<C>,
        fetch: F,
    }
    let init = St {
        next: Some(first),
        seen: HashSet::new(),
        fetch,
    };
    stream::try_unfold(init, |mut st| async move {
        let Some(cursor) = st.next.take() else {
            return Ok(None);
        };
        if !st.seen.insert(cursor.clone()) {
            return Err(Error::invalid_response(
                "a new pagination cursor",
                "the service returned a cursor it had already returned (a pagination loop)",
            ));
        }
        let page = (st.fetch)(cursor).await?;
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
            Ok(Page {
                messages: vec![log(c)],
                next: (c < 3).then_some(c + 1),
            })
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got.len(), 4);
    }

    #[tokio::test]
    async fn a_cursor_loop_is_an_error_not_an_endless_read() {
        let s = paginate(0u32, |c| async move {
            Ok(Page {
                messages: vec![log(c)],
                next: Some((c + 1) % 2),
            })
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got.len(), 3);
        assert!(matches!(got[2], Err(Error::InvalidResponse { .. })));
    }

    #[tokio::test]
    async fn fetches_lazily() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};
        let calls = Arc::new(AtomicU32::new(0));
        let c2 = calls.clone();
        let mut s = paginate(0u32, move |c| {
            c2.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(Page {
                    messages: vec![log(c)],
                    next: Some(c + 1),
                })
            }
        });
        s.next().await.unwrap().unwrap();
        s.next().await.unwrap().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}

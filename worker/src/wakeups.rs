//! What wakes an idle queue worker: apalis-postgres's LISTEN/NOTIFY stream
//! of inserted tasks, made to last.
//!
//! apalis's [`Pubsub`] stream ends for good when its listener connection
//! fails (we saw it end under load, after which every pickup waited for the
//! fallback poll). [`QueueWakeups`] builds a new listener a second after the
//! old one ended or failed, and folds the notifications that are ready at
//! once into one wake-up, since one fetch takes a whole batch anyway.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis_postgres::Pubsub;
use futures::{Stream, StreamExt};
use sqlx::PgPool;

/// Pause before a new listener replaces one that ended or failed.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// A never-ending stream of wake-ups for the queue `queue`.
pub struct QueueWakeups {
    pool: PgPool,
    queue: String,
    listener: Option<Pubsub>,
    relisten: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl QueueWakeups {
    pub fn new(pool: PgPool, queue: &str) -> Self {
        Self { pool, queue: queue.to_owned(), listener: None, relisten: None }
    }

    fn lost(&mut self, why: &str) {
        tracing::warn!(queue = %self.queue, why, "task notifications lost; listening again shortly (polling meanwhile)");
        self.listener = None;
        self.relisten = Some(Box::pin(tokio::time::sleep(RELISTEN_AFTER)));
    }
}

impl Stream for QueueWakeups {
    type Item = ();

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let this = &mut *self;
        loop {
            if let Some(pause) = this.relisten.as_mut() {
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.relisten = None;
            }
            let listener = this.listener.get_or_insert_with(|| Pubsub::new(this.pool.clone(), this.queue.clone()));
            match listener.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(_))) => {
                    // Fold what else is ready into this wake-up.
                    loop {
                        match listener.poll_next_unpin(cx) {
                            Poll::Ready(Some(Ok(_))) => continue,
                            Poll::Ready(Some(Err(e))) => this.lost(&e.to_string()),
                            Poll::Ready(None) => this.lost("the listener ended"),
                            Poll::Pending => {}
                        }
                        break;
                    }
                    return Poll::Ready(Some(()));
                }
                Poll::Ready(Some(Err(e))) => this.lost(&e.to_string()),
                Poll::Ready(None) => this.lost("the listener ended"),
            }
        }
    }
}

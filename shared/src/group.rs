//! Group commit: a statement that many tasks of one process issue at about
//! the same time (the api submitting a job; a worker claiming or finishing
//! one) runs once for all of them.
//!
//! A [`Group`] has one runner. A request that finds it idle runs at once,
//! alone: a lone job is never delayed. Requests that arrive while a
//! statement runs wait for it, then go together in the next one (at most
//! `max` per statement). Under load this turns one commit per job into one
//! per batch, with no timer: the batch is whatever arrived during the last
//! statement, so the wait is bounded by one statement's time.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

/// One waiting request: its input, and where its answer goes.
type Waiting<I, O> = (I, oneshot::Sender<Result<O, sqlx::Error>>);

/// A grouped statement (cheap to clone).
#[derive(Debug)]
pub struct Group<I, O> {
    tx: mpsc::UnboundedSender<Waiting<I, O>>,
}

impl<I, O> Clone for Group<I, O> {
    fn clone(&self) -> Self {
        Self { tx: self.tx.clone() }
    }
}

impl<I: Send + 'static, O: Send + 'static> Group<I, O> {
    /// Start the runner: `run` takes up to `max` inputs and returns one
    /// result per input, in order. It owns the fallback when the grouped
    /// statement fails (typically: run each input alone, so that one bad
    /// input cannot fail the others and each gets its own error).
    pub fn start<F, Fut>(max: usize, run: F) -> Self
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<Result<O, sqlx::Error>>> + Send,
    {
        let (tx, mut rx) = mpsc::unbounded_channel::<Waiting<I, O>>();
        tokio::spawn(async move {
            let mut waiting = Vec::with_capacity(max);
            while rx.recv_many(&mut waiting, max.max(1)).await > 0 {
                let (inputs, replies): (Vec<I>, Vec<_>) = waiting.drain(..).unzip();
                let mut results = run(inputs).await.into_iter();
                for reply in replies {
                    // A result missing (a runner bug) answers as a lost worker would.
                    let result = results.next().unwrap_or(Err(sqlx::Error::WorkerCrashed));
                    // The requester may have gone (its task was cancelled): nothing to do.
                    let _ = reply.send(result);
                }
            }
        });
        Self { tx }
    }

    /// Run `input` with whatever else is waiting, and return its own result.
    pub async fn run(&self, input: I) -> Result<O, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((input, reply)).map_err(|_| sqlx::Error::WorkerCrashed)?;
        answer.await.unwrap_or(Err(sqlx::Error::WorkerCrashed))
    }
}

/// The usual fallback: `grouped` ran the whole batch and failed, so run each
/// input alone with `alone`, in order.
pub async fn each_alone<I, O, F, Fut>(inputs: Vec<I>, alone: F) -> Vec<Result<O, sqlx::Error>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<O, sqlx::Error>>,
{
    let mut results = Vec::with_capacity(inputs.len());
    for input in inputs {
        results.push(alone(input).await);
    }
    results
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_lone_request_runs_at_once_and_concurrent_ones_share_a_statement() {
        let batches = Arc::new(Mutex::new(Vec::<usize>::new()));
        let seen = batches.clone();
        let group = Group::start(8, move |inputs: Vec<u32>| {
            let seen = seen.clone();
            async move {
                seen.lock().expect("lock").push(inputs.len());
                // A statement that takes a while, so others pile up behind it.
                tokio::time::sleep(Duration::from_millis(20)).await;
                inputs.into_iter().map(|i| Ok(i * 10)).collect()
            }
        });
        assert_eq!(group.run(1).await.expect("alone"), 10);
        let answers = futures::future::join_all((0..20).map(|i| {
            let group = group.clone();
            async move { group.run(i).await.expect("grouped") }
        }))
        .await;
        assert_eq!(answers, (0..20).map(|i| i * 10).collect::<Vec<_>>(), "each gets its own answer");
        let batches = batches.lock().expect("lock").clone();
        assert_eq!(batches[0], 1, "the lone request ran alone");
        assert!(batches.iter().all(|&n| n <= 8), "at most `max` per statement: {batches:?}");
        assert!(batches.len() <= 1 + 4, "21 requests in few statements: {batches:?}");
    }

    #[tokio::test]
    async fn a_result_missing_from_the_runner_is_an_error_not_a_hang() {
        let group = Group::start(4, |_: Vec<u32>| async { Vec::<Result<u32, sqlx::Error>>::new() });
        assert!(matches!(group.run(1).await, Err(sqlx::Error::WorkerCrashed)));
    }

    #[tokio::test]
    async fn each_alone_keeps_order_and_errors_apart() {
        let results =
            each_alone(vec![1, 2, 3], |i| async move { if i == 2 { Err(sqlx::Error::RowNotFound) } else { Ok(i) } })
                .await;
        assert!(matches!(results.as_slice(), [Ok(1), Err(sqlx::Error::RowNotFound), Ok(3)]));
    }
}

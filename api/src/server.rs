//! The public listener: hyper serving the router, with what `axum::serve`
//! does not set: a client must send its request headers within
//! `API_HEADER_READ_TIMEOUT_SECS` (a slow or silent client is disconnected,
//! not held forever), idle keep-alive connections are closed, and a graceful
//! shutdown waits at most [`DRAIN_TIMEOUT`] for open requests (an SSE stream
//! may be open for an hour; its client reconnects to another replica).
//!
//! HTTP/1.1 only: behind a load balancer that is what arrives, and hyper's
//! header-read timeout is an HTTP/1 setting.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long a graceful shutdown waits for open requests and streams.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Serve `app` on `listener` until `shutdown` resolves, then drain.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read_timeout).keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off a moment
                    // rather than spin; the connections already open go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // TCP_NODELAY: an SSE event or a small answer goes out at once, not
        // after Nagle's algorithm waits on the client's delayed ACK (~40 ms).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let service = app.clone().map_request(|request: Request<Incoming>| request.map(Body::new));
        let connection = builder.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service)).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!(after_s = DRAIN_TIMEOUT.as_secs(), "connections still open at shutdown were closed");
    }
    Ok(())
}

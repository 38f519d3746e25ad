//! `loadgen hammer`: closed-loop GET load on one URL, like `wrk`.
//!
//! `--connections` tasks on the tokio runtime each send a request, read the
//! whole answer, record its latency and status in task-local counters, and
//! start over until `--seconds` have passed (requests under way then are
//! finished and counted). The counters are merged at the end, so the tasks
//! share nothing while running but the connection pool.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use clap::Args;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::http::client;
use super::stats::{LatencyRecorder, LatencySummary, round3};

/// Time limit of one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Arguments of `loadgen hammer`.
#[derive(Debug, Clone, Args, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HammerArgs {
    /// The URL to GET.
    #[arg(long)]
    pub url: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    #[serde(skip)]
    pub headers: Vec<String>,
    /// Connections (tasks) sending requests back to back.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub connections: u32,
    /// How long to send requests.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// Also write the result as JSON here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

/// The result of `loadgen hammer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HammerReport {
    pub url: String,
    pub connections: u32,
    /// Time from the first request to the end of the last one.
    pub duration_secs: f64,
    /// Requests that got an answer, whatever its status.
    pub requests: u64,
    /// Requests without an answer (connect, timeout, I/O) plus answers
    /// other than 2xx.
    pub errors: u64,
    /// Answered requests per second.
    pub requests_per_sec: f64,
    /// Latency of the answered requests (whole body read).
    pub latency_ms: LatencySummary,
    /// Status code → count.
    pub http_statuses: BTreeMap<String, u64>,
}

/// Parses `Name: value` header arguments.
pub fn parse_headers(headers: &[String]) -> Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for header in headers {
        let (name, value) =
            header.split_once(':').ok_or_else(|| anyhow!("--header {header:?}: expected `Name: value`"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .with_context(|| format!("--header {header:?}: invalid header name"))?;
        let mut value = HeaderValue::from_str(value.trim())
            .with_context(|| format!("--header {header:?}: invalid header value"))?;
        if name == reqwest::header::AUTHORIZATION {
            value.set_sensitive(true);
        }
        map.append(name, value);
    }
    Ok(map)
}

/// What one task saw.
struct TaskTally {
    latency: LatencyRecorder,
    /// Status code → count (few distinct codes: a linear scan is fastest).
    statuses: Vec<(u16, u64)>,
    transport_errors: u64,
}

/// Runs the hammer, prints nothing, writes `--report` if given.
pub async fn hammer(args: HammerArgs) -> Result<HammerReport> {
    let url = reqwest::Url::parse(&args.url).with_context(|| format!("--url {:?}", args.url))?;
    ensure!(matches!(url.scheme(), "http" | "https"), "--url must be an http(s) URL");
    let headers = parse_headers(&args.headers)?;
    let connections = args.connections as usize;
    let client = client(connections)?;
    let started = Instant::now();
    let end = started + Duration::from_secs(args.seconds);

    let mut tasks = JoinSet::new();
    for _ in 0..connections {
        let (client, url, headers) = (client.clone(), url.clone(), headers.clone());
        tasks.spawn(async move {
            let mut tally = TaskTally { latency: LatencyRecorder::new(), statuses: Vec::new(), transport_errors: 0 };
            while Instant::now() < end {
                let sent = Instant::now();
                let request = async {
                    let response =
                        client.get(url.clone()).headers(headers.clone()).timeout(REQUEST_TIMEOUT).send().await;
                    match response {
                        Ok(response) => {
                            let code = response.status().as_u16();
                            response.bytes().await.ok().map(|_| code)
                        }
                        Err(_) => None,
                    }
                };
                // A request still running when the time is up is not counted:
                // the measured window is exactly `--seconds` long.
                let Ok(code) = tokio::time::timeout_at(end, request).await else { break };
                match code {
                    Some(code) => {
                        tally.latency.record(sent.elapsed());
                        match tally.statuses.iter_mut().find(|(known, _)| *known == code) {
                            Some((_, count)) => *count += 1,
                            None => tally.statuses.push((code, 1)),
                        }
                    }
                    None => tally.transport_errors += 1,
                }
            }
            tally
        });
    }

    let mut latency = LatencyRecorder::new();
    let mut by_code: BTreeMap<u16, u64> = BTreeMap::new();
    let mut transport_errors = 0;
    while let Some(joined) = tasks.join_next().await {
        let tally = joined.context("a hammer task panicked")?;
        latency.merge(&tally.latency);
        for (code, count) in tally.statuses {
            *by_code.entry(code).or_insert(0) += count;
        }
        transport_errors += tally.transport_errors;
    }
    let duration = started.elapsed().min(Duration::from_secs(args.seconds));
    let non_2xx: u64 = by_code.iter().filter(|(code, _)| !(200..300).contains(*code)).map(|(_, count)| count).sum();
    let http_statuses = by_code.into_iter().map(|(code, count)| (code.to_string(), count)).collect();
    let requests = latency.len();
    let report = HammerReport {
        url: args.url.clone(),
        connections: args.connections,
        duration_secs: round3(duration.as_secs_f64()),
        requests,
        errors: transport_errors + non_2xx,
        requests_per_sec: round3(requests as f64 / duration.as_secs_f64().max(f64::EPSILON)),
        latency_ms: latency.summary(),
        http_statuses,
    };
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&report).context("serialising the report")? + "\n";
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_arguments() {
        let headers =
            parse_headers(&["Authorization: Bearer abc".to_owned(), "x-trace:1".to_owned(), "X-Trace: 2".to_owned()])
                .expect("valid headers");
        assert_eq!(headers.get("authorization").map(HeaderValue::as_bytes), Some(&b"Bearer abc"[..]));
        assert!(headers.get("authorization").is_some_and(HeaderValue::is_sensitive));
        assert_eq!(headers.get_all("x-trace").iter().count(), 2);
        assert!(parse_headers(&["no colon".to_owned()]).is_err());
        assert!(parse_headers(&["bad name: x".to_owned()]).is_err());
        assert!(parse_headers(&["X: line\nbreak".to_owned()]).is_err());
    }
}

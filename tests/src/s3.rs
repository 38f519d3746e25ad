//! A real S3-protocol server for tests: moto in server mode (PyPI `moto`,
//! installed by scripts/ensure-tools.sh), started on a free port and
//! stopped when dropped. Chosen over `s3s-fs` because it installs in
//! seconds instead of a long Rust build, and implements presigned URLs and
//! stored response headers as S3 does.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::processes::free_port;

/// A running S3 server with one bucket.
pub struct S3Server {
    pub endpoint: String,
    pub bucket: String,
    child: tokio::process::Child,
}

impl S3Server {
    /// Start `moto_server` and create a bucket.
    pub async fn start() -> S3Server {
        let port = free_port();
        let child = tokio::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("moto_server is installed (scripts/ensure-tools.sh)");
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !client.get(&endpoint).send().await.is_ok_and(|r| r.status().is_success()) {
            assert!(Instant::now() < deadline, "moto_server did not start on {endpoint}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let bucket = format!("tailor-{}", uuid::Uuid::new_v4().simple());
        let created = client.put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
        assert!(created.status().is_success(), "create bucket: {}", created.status());
        S3Server { endpoint, bucket, child }
    }

    /// Storage settings for `s3://bucket/prefix` on this server.
    pub fn settings(&self, prefix: &str) -> shared::storage::Settings {
        shared::storage::Settings {
            url: format!("s3://{}/{prefix}", self.bucket),
            s3_options: vec![
                ("aws_endpoint_url".into(), self.endpoint.clone()),
                ("aws_access_key_id".into(), "tailor-test".into()),
                ("aws_secret_access_key".into(), "tailor-test-secret".into()),
                ("aws_region".into(), "us-east-1".into()),
            ],
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

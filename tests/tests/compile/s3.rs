//! The S3 store against a real S3-protocol server: a compile stores its
//! PDF and previews there under the URL's prefix, and the API answers an
//! owner with a redirect to a presigned URL of the configured lifetime.
//! (moto does not enforce access control, so that objects are private is
//! the bucket policy's job in production, not something this can show.)

use std::time::Duration;

use harness::s3::S3Server;
use harness::{TestApp, TestWorker, id_of};
use serde_json::json;

use crate::api::{eval_resume, wait_compiled};
use crate::sandbox::pdf_text;

const USER: &str = "user_s3";

#[tokio::test]
async fn pdfs_live_in_s3_and_are_served_by_presigned_redirects() {
    let s3 = S3Server::start().await;
    let settings = s3.settings("tenant-a/pdfs");
    let app = TestApp::spawn_with(|c| {
        c.storage = settings.clone();
        c.presign_ttl = Duration::from_secs(600);
    })
    .await;
    let worker = TestWorker::start(app.worker_config(None));
    let project = app.project(USER).await;
    let version = id_of(&app.base_version(USER, &project, &eval_resume("data-scientist.tex")).await);
    app.post(&format!("/v1/versions/{version}/compile"), USER, json!({})).await;
    let compiled = wait_compiled(&app, USER, &version, Duration::from_secs(60)).await;
    assert_eq!(compiled["status"], "COMPILED", "{compiled}");

    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (path, content_type) in [
        (format!("/v1/versions/{version}/pdf"), "application/pdf"),
        (format!("/v1/versions/{version}/preview?page=2"), "image/png"),
    ] {
        let res = no_redirects.get(app.url(&path)).bearer_auth(harness::token_for(USER)).send().await.expect("get");
        assert_eq!(res.status().as_u16(), 302, "{path}");
        let location = res.headers()["location"].to_str().expect("location").to_owned();
        assert!(location.starts_with(&s3.endpoint), "{location}");
        assert!(location.contains(&format!("/{}/tenant-a/pdfs/versions/{version}/", s3.bucket)), "{location}");
        assert!(location.contains("X-Amz-Expires=600") && location.contains("X-Amz-Signature="), "{location}");

        // The presigned URL works without our token.
        let file = no_redirects.get(&location).send().await.expect("presigned get");
        assert_eq!(file.status().as_u16(), 200, "{location}");
        assert_eq!(file.headers()["content-type"], content_type);
        let bytes = file.bytes().await.expect("bytes");
        if content_type == "application/pdf" {
            assert!(pdf_text(&bytes).contains("Rasmus Oyelaran-Kettle"));
        } else {
            assert!(bytes.starts_with(b"\x89PNG"));
        }
    }
    // A stranger is not redirected anywhere.
    let res = no_redirects
        .get(app.url(&format!("/v1/versions/{version}/pdf")))
        .bearer_auth(harness::token_for("user_stranger"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 404);
    worker.stop().await.expect("worker stops");
}

//! Where PDFs and their page previews live: an object store chosen by
//! `STORAGE_URL` (the `object_store` crate).
//!
//! - `file:///abs/dir` or `file://relative/dir`: a local directory, the
//!   embedded default (api and workers must then share that filesystem).
//! - `s3://bucket/prefix`: any S3-compatible store, configured by the usual
//!   AWS variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!   `AWS_REGION`, `AWS_ENDPOINT_URL` for another provider or a local server;
//!   requests are path-style whenever an endpoint is given). Reads can then be
//!   handed to clients as presigned URLs.
//!
//! Nothing is ever public: the API checks ownership before it serves a file
//! or signs a URL for it. Keys are built by [`crate::compile`] from our own
//! ids, never from user text.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

/// A storage failure (the store is unreachable, refuses us, or is misconfigured).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("STORAGE_URL {0:?} is not a file:// or s3:// URL")]
    Url(String),
    #[error("cannot open the storage directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
}

/// Where the store is and how to reach it, read once with the rest of the
/// configuration.
#[derive(Clone)]
pub struct Settings {
    /// `STORAGE_URL`.
    pub url: String,
    /// S3 options as object_store names them (`aws_access_key_id`,
    /// `aws_endpoint_url`, …): the `AWS_*` variables, lower-cased.
    pub s3_options: Vec<(String, String)>,
}

/// The store of a development machine, when `STORAGE_URL` is unset.
pub const DEFAULT_STORAGE_URL: &str = "file://.data/storage";

impl Settings {
    /// `STORAGE_URL` (default [`DEFAULT_STORAGE_URL`]) and the `AWS_*` variables.
    pub fn from_env() -> Self {
        let s3_options = std::env::vars()
            .filter(|(k, v)| k.starts_with("AWS_") && !v.trim().is_empty())
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Self { url: crate::env::var("STORAGE_URL").unwrap_or_else(|| DEFAULT_STORAGE_URL.into()), s3_options }
    }

    /// A local directory.
    pub fn local(dir: &std::path::Path) -> Self {
        Self { url: format!("file://{}", dir.display()), s3_options: Vec::new() }
    }

    fn option(&self, names: &[&str]) -> Option<&str> {
        self.s3_options.iter().find(|(k, _)| names.contains(&k.as_str())).map(|(_, v)| v.as_str())
    }
}

/// Never prints the options' values (they hold the secret key).
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.s3_options.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Settings").field("url", &self.url).field("s3_options", &keys).finish()
    }
}

/// A file to store, with the headers a browser needs when it gets it
/// straight from the store (through a presigned URL).
pub struct StoredFile<'a> {
    pub bytes: Bytes,
    pub content_type: &'a str,
    /// A `Content-Disposition` value, e.g. `inline; filename="cv.pdf"`.
    pub content_disposition: Option<String>,
}

/// The process's object store. Cheap to clone.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Set for S3 stores: signs presigned GET URLs.
    signer: Option<Arc<AmazonS3>>,
    prefix: String,
    /// The URL it was opened from, without credentials (for logs).
    url: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Storage {
    /// Open the store `settings` name (see the module's documentation).
    pub fn open(settings: &Settings) -> Result<Self, StorageError> {
        let url = settings.url.as_str();
        if let Some(rest) = url.strip_prefix("file://") {
            let dir = std::path::PathBuf::from(if rest.is_empty() { "." } else { rest });
            std::fs::create_dir_all(&dir)
                .map_err(|source| StorageError::Directory { path: dir.display().to_string(), source })?;
            let store = LocalFileSystem::new_with_prefix(&dir)?;
            return Ok(Self { store: Arc::new(store), signer: None, prefix: String::new(), url: url.to_owned() });
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(StorageError::Url(url.to_owned()));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StorageError::Url(url.to_owned()));
        }
        let mut builder = AmazonS3Builder::new();
        for (key, value) in &settings.s3_options {
            if let Ok(key) = key.parse::<AmazonS3ConfigKey>() {
                builder = builder.with_config(key, value);
            }
        }
        builder = builder.with_bucket_name(bucket);
        // Another provider or a local server: path-style requests, and plain
        // http when that is what the endpoint says.
        if let Some(endpoint) = settings.option(&["aws_endpoint_url", "aws_endpoint"]) {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let s3 = Arc::new(builder.build()?);
        Ok(Self {
            store: s3.clone(),
            signer: Some(s3),
            prefix: prefix.trim_matches('/').to_owned(),
            url: format!("s3://{bucket}/{}", prefix.trim_matches('/')),
        })
    }

    /// Whether reads can be handed out as presigned URLs (S3 stores).
    pub fn presigns(&self) -> bool {
        self.signer.is_some()
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() { Path::from(key) } else { Path::from(format!("{}/{key}", self.prefix)) }
    }

    /// Store `file` at `key`, replacing what was there.
    pub async fn put(&self, key: &str, file: StoredFile<'_>) -> Result<(), StorageError> {
        let mut attributes = Attributes::new();
        // A local directory keeps no headers; an S3 store serves these with
        // the object when a client follows a presigned URL.
        if self.signer.is_some() {
            attributes.insert(Attribute::ContentType, file.content_type.to_owned().into());
            attributes.insert(Attribute::CacheControl, "private, max-age=300".into());
            if let Some(disposition) = file.content_disposition {
                attributes.insert(Attribute::ContentDisposition, disposition.into());
            }
        }
        let options = PutOptions { attributes, ..Default::default() };
        self.store.put_opts(&self.path(key), PutPayload::from_bytes(file.bytes), options).await?;
        Ok(())
    }

    /// The object at `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.store.get(&self.path(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether an object is stored at `key`.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self.store.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A presigned GET URL for `key`, valid for `ttl`; `None` for stores that
    /// cannot sign (a local directory: the API serves those bytes itself).
    pub async fn presigned_get(&self, key: &str, ttl: Duration) -> Result<Option<url::Url>, StorageError> {
        match &self.signer {
            Some(s3) => Ok(Some(s3.signed_url(reqwest::Method::GET, &self.path(key), ttl).await?)),
            None => Ok(None),
        }
    }

    /// Delete every object whose key starts with `prefix` (e.g. `versions/<id>/`).
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize, StorageError> {
        use futures::TryStreamExt;
        let listed: Vec<_> = self.store.list(Some(&self.path(prefix))).try_collect().await?;
        for meta in &listed {
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(listed.len())
    }

    /// The URL it was opened from (no credentials).
    pub fn url(&self) -> &str {
        &self.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_directory_stores_reads_and_deletes_by_prefix() {
        let dir = std::env::temp_dir().join(format!("tailor-storage-{}", uuid::Uuid::new_v4().simple()));
        let storage = Storage::open(&Settings::local(&dir)).expect("open");
        assert!(!storage.presigns());
        let file = |b: &'static [u8]| StoredFile {
            bytes: Bytes::from_static(b),
            content_type: "application/pdf",
            content_disposition: Some("inline".into()),
        };
        storage.put("versions/a/resume.pdf", file(b"%PDF-1")).await.expect("put");
        storage.put("versions/a/page-1.png", file(b"png")).await.expect("put");
        storage.put("versions/b/resume.pdf", file(b"%PDF-2")).await.expect("put");
        assert_eq!(storage.get("versions/a/resume.pdf").await.expect("get").as_deref(), Some(&b"%PDF-1"[..]));
        assert_eq!(storage.get("versions/none.pdf").await.expect("get"), None);
        assert!(storage.exists("versions/b/resume.pdf").await.expect("head"));
        assert_eq!(storage.presigned_get("versions/a/resume.pdf", Duration::from_secs(60)).await.expect("sign"), None);
        assert_eq!(storage.delete_prefix("versions/a").await.expect("delete"), 2);
        assert_eq!(storage.get("versions/a/page-1.png").await.expect("get"), None);
        assert!(storage.exists("versions/b/resume.pdf").await.expect("head"), "other prefixes stay");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn only_file_and_s3_urls_are_accepted() {
        let open = |url: &str| Storage::open(&Settings { url: url.into(), s3_options: vec![] });
        assert!(matches!(open("ftp://x/y"), Err(StorageError::Url(_))));
        assert!(matches!(open("s3:///prefix"), Err(StorageError::Url(_))));
    }

    #[test]
    fn settings_never_print_secrets() {
        let settings = Settings {
            url: "s3://b/p".into(),
            s3_options: vec![("aws_secret_access_key".into(), "hunter2-secret".into())],
        };
        let shown = format!("{settings:?}");
        assert!(shown.contains("aws_secret_access_key") && !shown.contains("hunter2"), "{shown}");
    }
}

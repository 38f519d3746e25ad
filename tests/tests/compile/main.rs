//! Compiling to PDF over real TeX Live, PostgreSQL, Redis and both object
//! stores: the sandbox against hostile documents and real templates
//! (`sandbox`), compiles, PDFs, previews and activation through the API with
//! real workers (`api`), proposals that must compile (`proposals`), and the
//! S3 store against a local S3 server (`s3`).

mod api;
mod deletion;
mod proposals;
mod s3;
mod sandbox;

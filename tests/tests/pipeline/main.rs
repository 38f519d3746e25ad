//! The pipeline in one process over real PostgreSQL: the API, a worker (the
//! real apalis consumer) and a fake provider at the HTTP boundary
//! (`llm-sim`'s router), for every provider behaviour the worker must handle.

mod answers;
mod fairness;
mod faults;
mod pacing;
mod review;
mod tailoring;

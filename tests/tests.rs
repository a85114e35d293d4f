//! The one integration-test binary (every extra binary would link DataFusion again).
//!
//! Tests drive the real `gongkai` binary on the real Jinan 2017 report (`data/raw/`) and on
//! renderings and damaged copies of it, each in its own temporary warehouse.

mod util;

mod check;
mod cli;
mod formats;
mod ingest;
mod places;
mod pty;
mod reader;
mod robustness;
mod rollups;
mod synth;
mod templates;
mod untabled;
mod warehouse;

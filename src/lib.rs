//! gongkai (公开): an embedded SQL engine over the annual reports that Chinese government bodies
//! publish on their information-disclosure work (政府信息公开工作年度报告).
//!
//! The crate is laid out as the data flows:
//!
//! - [`catalog`]: the canonical indicator codes every figure is stored under;
//! - [`model`]: the report's own vocabulary — templates, scopes, breakdowns, facts;
//! - [`ingest`]: report documents (text as users get it) → [`model::Report`]s;
//! - [`warehouse`]: reports → a Parquet warehouse that changes only by complete commits;
//! - [`engine`]: the warehouse registered in Apache DataFusion;
//! - [`compact`]: maintenance above both: the warehouse rewritten through the engine;
//! - [`check`]: data-quality rules over the stored figures (and the prose of the documents);
//! - [`output`]: query results rendered for people (tables measured in display columns) and
//!   for other programs (CSV, JSON);
//! - [`shell`]: the REPL and scripted statements;
//! - [`cli`]: the command line, and the one place where errors become exit codes.

pub mod catalog;
pub mod check;
pub mod cli;
pub mod compact;
pub mod engine;
pub mod gazetteer;
pub mod ingest;
pub mod model;
pub mod output;
pub mod saved;
pub mod shell;
pub mod synth;
pub mod warehouse;

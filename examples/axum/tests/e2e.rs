//! The shared end-to-end suite against the `example-axum` binary over real HTTP.

example_common::e2e_suite!(env!("CARGO_BIN_EXE_example-axum"));

/**
 * The real-CLI harness: pinned installs, mock model APIs' HTTP plumbing, real panes, scenarios,
 * live runs against the real monitor. See `tests/real/README.md`.
 *
 * @module
 */

export * from "./clis.ts";
export * from "./mock_http.ts";
export * from "./pane.ts";
export * from "./scenario.ts";
export * from "./live.ts";
export * from "./suites.ts";

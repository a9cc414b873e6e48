/**
 * What a real-CLI suite is: per CLI, the scenarios that drive it into each state, and how to open
 * one (mock API, private HOME, the CLI in a pane of a given server).
 *
 * @module
 */

import type { AgentState } from "../../../src/agents/types.ts";
import type { RealCliName } from "./clis.ts";
import type { RealPane, RealServer } from "./pane.ts";

/** A live CLI session for one scenario. */
export interface CliSession {
  /** The pane the CLI runs in. */
  pane: RealPane;
  /** Stops the CLI, its mock and removes its private HOME (the server is the caller's). */
  close(): Promise<void>;
}

/** One scenario: a way to bring the CLI into a state. */
export interface Scenario {
  /** Fixture file name, e.g. `bash_permission` (letters, digits, `_`). */
  name: string;
  /** The state the monitor must report once `drive` has resolved. */
  state: AgentState;
  /** Which variant of the state this is, for the tables (e.g. `5-hour limit`). */
  variant?: string;
  /**
   * Drives the CLI into the state; resolves once its screen shows it (the scenario waits for the
   * CLI's own drawing, never for tmux-orc's verdict).
   */
  drive(session: CliSession): Promise<void>;
  /**
   * How long the monitor may take to report the state after `drive` resolved (ms); for idle and
   * stuck_input this includes the quiet period.
   * @default 10_000
   */
  detectWithinMs?: number;
}

/** Where a suite opens a scenario. */
export interface OpenContext {
  /** The tmux server to open the CLI's pane in. */
  server: RealServer;
}

/** All scenarios of one CLI. */
export interface CliSuite {
  /** Which CLI. */
  cli: RealCliName;
  /** The tmux-orc profile that must be identified. */
  profile: string;
  /** The pinned version. */
  version: string;
  /** The scenarios, in the order they run. */
  scenarios: Scenario[];
  /** Starts the mock API (scripted for `scenario`), a private HOME and the CLI in a new pane. */
  open(scenario: Scenario, context: OpenContext): Promise<CliSession>;
}

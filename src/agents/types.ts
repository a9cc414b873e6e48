/**
 * Agent states and observations: the vocabulary shared by detection, notification and the store.
 *
 * @module
 */

/** The states an agent can be in. */
export const AGENT_STATES = [
  "active",
  "idle",
  "waiting",
  "stuck_input",
  "rate_limited",
  "error",
  "crashed",
  "unknown",
] as const;

/** One agent state. */
export type AgentState = typeof AGENT_STATES[number];

/** The states that the PM is told about on entering them. */
export const NOTIFY_STATES: ReadonlySet<AgentState> = new Set<AgentState>([
  "idle",
  "waiting",
  "stuck_input",
  "rate_limited",
  "error",
  "crashed",
]);

/**
 * What the monitor concluded about one agent pane in one cycle. Detection returns the next
 * observation from the previous one, so timers (idle-after, stuck input across cycles) carry over.
 */
export interface Observation {
  /** The pane (`%N`). */
  paneId: string;
  /** The classified state. */
  state: AgentState;
  /** Wall-clock ms when the agent entered `state`. */
  since: number;
  /** Monotonic ms when the pane's screen last changed (drives idle-after). */
  lastChangeMono: number;
  /** Wall-clock ms when the pane's screen last changed. */
  lastChangeWall: number;
  /** Hash of the last captured screen (for change detection). */
  screenHash: string;
  /** Text seen in the input box, if any (for stuck_input across cycles). */
  inputText: string;
  /** For `rate_limited`: wall-clock ms when the limit resets, when it could be parsed. */
  resetAt?: number;
  /** A short, human-readable reason (matched pattern, exit status…), never a whole capture. */
  detail: string;
  /**
   * Whether the last capture showed the agent's input box. Detection's own bookkeeping, so that
   * an uncaptured cycle can still turn `active` into `idle`.
   */
  promptVisible?: boolean;
  /** Whether the last capture showed a busy marker (detection's own bookkeeping). */
  busy?: boolean;
  /**
   * The busy marker line the last capture showed, carried to cycles without a capture (the
   * detail is made from it; carrying the detail instead would prefix it again each cycle).
   */
  busyMarker?: string;
  /**
   * Whether the last capture showed anything the profile recognises: its input box, a busy
   * marker, a prompt, a usage-limit or error banner. `false` means the screen is not what the
   * profile expects (a new CLI version, an unknown dialog): `agents` marks such panes.
   */
  recognised?: boolean;
  /** Monotonic ms of the capture this observation rests on (detection's own bookkeeping). */
  capturedMono?: number;
  /**
   * Monotonic ms when a capture last showed the agent's controls (input box, busy marker,
   * prompt); drives the time-bounded `unknown` (detection's own bookkeeping).
   */
  controlsMono?: number;
}

/**
 * The registration contract: the pane user options `tmux-orc agent register` sets and the
 * monitor reads every cycle (through `list-panes`), and the server options by which a monitor
 * claims a tmux server (`monitor/ownership.ts`). Nothing else in tmux is changed; every option
 * name of the program is spelt here once.
 *
 * @module
 */

/** Every registration option name starts so; no other pane option is ever set. */
export const REGISTRATION_PREFIX = "@tmux-orc-";

/**
 * The pane options, by the `PaneRecord` field (`src/tmux/types.ts`) each one fills.
 *
 * - `role`: `agent` or `pm` (anything else: not registered);
 * - `name`: display name;
 * - `profile`: the agent profile that describes the CLI (else detected by process);
 * - `command`: the command a crashed agent's pane is respawned with;
 * - `pm`: the `%pane_id` of the agent's PM (else the `pm` pane of its session).
 */
export const REGISTRATION_OPTIONS = {
  role: "@tmux-orc-role",
  name: "@tmux-orc-name",
  profile: "@tmux-orc-profile",
  command: "@tmux-orc-command",
  pm: "@tmux-orc-pm",
} as const satisfies Record<string, `${typeof REGISTRATION_PREFIX}${string}`>;

/** A registration field (a key of {@linkcode REGISTRATION_OPTIONS}). */
export type RegistrationField = keyof typeof REGISTRATION_OPTIONS;

/** The roles a pane can be registered with. */
export type RegistrationRole = "agent" | "pm";

/**
 * The server options of the claim on a tmux server (one monitor per server):
 *
 * - `owner`: the owner's token `HOST:PID:NONCE`;
 * - `info`: its description as JSON (for humans and the liveness check);
 * - `beat`: wall-clock ms of its last cycle.
 */
export const OWNERSHIP_OPTIONS = {
  owner: "@tmux-orc-owner",
  info: "@tmux-orc-owner-info",
  beat: "@tmux-orc-owner-beat",
} as const satisfies Record<string, `${typeof REGISTRATION_PREFIX}${string}`>;

/**
 * The pane option `tmux-orc hook EVENT` sets from inside an agent's pane (found by `$TMUX_PANE`):
 * the agent CLI's latest hook event, which reaches the monitor over its one tmux connection.
 */
export const HOOK_OPTIONS = {
  event: "@tmux-orc-hook",
} as const satisfies Record<string, `${typeof REGISTRATION_PREFIX}${string}`>;

/**
 * The global user option that says "a registration or a hook event changed": a counter that
 * `tmux-orc hook` and `tmux-orc agent register|unregister` bump (`set-option -gF`, by
 * {@linkcode WATCH_GENERATION_BUMP}) in the same tmux command as their pane options. The pane
 * watch (`tmux/pane_watch.ts`) looks at this ONE option instead of six options on every pane
 * (each option lookup costs tmux, every second, for every pane). A registration made by hand
 * (`set-option -p @tmux-orc-role agent`) does not bump it: the monitor sees it at its next
 * periodic cycle.
 */
export const WATCH_OPTIONS = {
  generation: "@tmux-orc-gen",
} as const satisfies Record<string, `${typeof REGISTRATION_PREFIX}${string}`>;

/** The tmux command (argv) that bumps {@linkcode WATCH_OPTIONS.generation} by one. */
export const WATCH_GENERATION_BUMP: readonly string[] = [
  "set-option",
  "-gF",
  WATCH_OPTIONS.generation,
  `#{e|+:#{${WATCH_OPTIONS.generation}},1}`,
];

/**
 * The options the monitor writes for the tmux status line (never read back as input):
 *
 * - `summary`: a global user option, e.g. `⚠ 2 waiting · 1 limited · 5 active`;
 * - `state`: a pane option, the agent's state.
 */
export const STATUS_OPTIONS = {
  summary: "@tmux-orc-summary",
  state: "@tmux-orc-state",
} as const satisfies Record<string, `${typeof REGISTRATION_PREFIX}${string}`>;

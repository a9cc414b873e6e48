/**
 * The registration contract: the pane user options `tmux-orc agent register` sets and the
 * monitor reads every cycle (through `list-panes`). Nothing else in a pane is changed; every
 * option name of the program is spelt here once.
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

/**
 * A pane's screen as a golden-test fixture: the screen (`<name>.txt`, exactly as
 * `capture-pane -p -J` gave it) and a sidecar (`<name>.json`) in the format the golden test reads
 * (`tests/agents/golden_test.ts`) and `deno task record-screens` writes: the pane facts detection
 * depends on (`pane.currentCommand`, dead status, window activity), the capture's time and time
 * zone (so reset times parse as they did), and under `recorded` which CLI and version drew it, the
 * pane's size and when. Pure: every fact comes
 * in as a parameter (`tmux-orc capture` gathers them).
 *
 * @module
 */

import type { PaneRecord } from "../tmux/types.ts";
import type { Observation } from "./types.ts";
import type { AgentProfile } from "./profiles.ts";
import type { ProcessFacts } from "./process_facts.ts";
import { screenLines } from "./lines.ts";

/** What is known about a pane when its screen is saved. */
export interface FixtureFacts {
  /** The pane, from `list-panes`. */
  pane: PaneRecord;
  /** Its screen (`capture-pane -p -J`). */
  screen: string;
  /** The profile that describes it, if one was identified. */
  profile?: AgentProfile;
  /** Facts about its foreground program, where `/proc` tells them. */
  process?: ProcessFacts;
  /** Detection's first look at the screen. */
  observation?: Observation;
  /** Wall-clock ms of the capture. */
  nowMs: number;
  /** The machine's time zone (IANA name). */
  timeZone: string;
}

/** Where a CLI version came from. */
export type VersionSource = "package" | "process name" | "screen";

const VERSION = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\b/;

/**
 * The CLI version a screen shows: a version number (`2.1.37`, `v0.171.0`) on a line that names
 * the profile (`Claude Code v2.1.37`, `>_ OpenAI Codex (v0.171.0)`, `Aider v0.86.1`).
 */
export function screenVersion(screen: string, profile: AgentProfile): string | undefined {
  const names = [profile.name, ...profile.processNames].map((n) => n.toLowerCase());
  for (const line of screenLines(screen)) {
    const lower = line.toLowerCase();
    if (!names.some((name) => lower.includes(name))) continue;
    const match = VERSION.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** The CLI's version and where it was read: its npm package, its process name, or the screen. */
export function cliVersion(
  facts: Pick<FixtureFacts, "pane" | "screen" | "profile" | "process">,
): { version: string; source: VersionSource } | undefined {
  if (facts.process?.package) return { version: facts.process.package.version, source: "package" };
  const command = facts.pane.currentCommand.trim();
  if (/^\d+\.\d+\.\d+$/.test(command)) return { version: command, source: "process name" };
  const shown = facts.profile ? screenVersion(facts.screen, facts.profile) : undefined;
  return shown === undefined ? undefined : { version: shown, source: "screen" };
}

/**
 * The sidecar JSON for a fixture, in the format `scripts/record_screens.ts` writes (see the module
 * documentation), plus what detection saw on a first look (`seen`, informative).
 */
export function fixtureSidecar(facts: FixtureFacts): Record<string, unknown> {
  const { pane, observation } = facts;
  const at = new Date(facts.nowMs).toISOString();
  const paneFacts: Record<string, unknown> = {
    currentCommand: pane.currentCommand,
    windowActivity: pane.windowActivity > 0
      ? new Date(pane.windowActivity * 1000).toISOString()
      : at,
  };
  if (pane.dead) {
    paneFacts.dead = true;
    if (pane.deadStatus !== undefined) paneFacts.deadStatus = pane.deadStatus;
  }
  const version = cliVersion(facts);
  const recorded: Record<string, unknown> = {
    cli: facts.profile?.name ?? null,
    version: version?.version ?? null,
    variant: null,
    width: pane.width,
    height: pane.height,
    at,
    by: "tmux-orc capture",
    versionSource: version?.source ?? null,
  };
  if (facts.process?.package) recorded.package = facts.process.package.name;
  const sidecar: Record<string, unknown> = {
    pane: paneFacts,
    wallNow: at,
    timeZone: facts.timeZone,
    recorded,
  };
  if (observation) {
    sidecar.seen = {
      state: observation.state,
      detail: observation.detail,
      recognised: observation.recognised ?? false,
    };
  }
  return sidecar;
}

/** A file-name-safe slug: letters, digits, `.`, `_` and `-`. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "").slice(0, 60) || "x";
}

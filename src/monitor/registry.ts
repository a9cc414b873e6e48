/**
 * Which panes are agents, and who their PM is. Pure: everything comes in as parameters (this
 * cycle's `list-panes` records, the screens captured for detection, what earlier cycles detected).
 *
 * A pane is monitored when it is
 *
 * 1. **registered**: its pane user option `@tmux-orc-role` is `agent` or `pm` (set by
 *    `tmux-orc agent register`), with optional `@tmux-orc-name`, `@tmux-orc-profile`,
 *    `@tmux-orc-command` and `@tmux-orc-pm`;
 * 2. **named as a PM**: another monitored pane's `@tmux-orc-pm` names it (it becomes a `pm`);
 * 3. **auto-detected** (unless turned off): {@linkcode identifyProfile} recognises the CLI in its
 *    foreground process by name (`claude`, `codex`, `gemini`, `aider`, Claude Code's version-named
 *    native build). A generic runtime (`node`, `bun`, `python`) needs its command line to name
 *    the CLI (`processes`, e.g. `node …/codex.js`) or a screen signature, so such a pane is
 *    captured once per change (and only then) to look for one when its command line does not.
 *    A pane detected
 *    once stays an agent while the same process (pane pid) runs in it and its foreground is that
 *    CLI or a shell (the agent exited: `crashed`). Another foreground program is not watched, but
 *    the detection is remembered while the pane pid lives: a helper the CLI runs as it exits
 *    (caught by one cycle) must not make the shell that follows look like a stranger's.
 *
 * Anything else is never touched: not captured (beyond the signature check of a generic runtime),
 * never sent a key.
 *
 * An agent's PM is the pane its `@tmux-orc-pm` names, else the `pm` pane of its own session (the
 * first by window and pane index). A PM has no PM unless its own `@tmux-orc-pm` names one.
 *
 * @module
 */

import {
  type AgentProfile,
  commandName,
  identifyProfile,
  type ProcessHint,
} from "../agents/profiles.ts";
import type { PaneRecord } from "../tmux/types.ts";

/** The profile used for a registered pane whose CLI cannot be recognised (Claude Code first). */
export const DEFAULT_PROFILE = "claude";

/** A monitored pane. */
export interface AgentPane {
  /** The pane, from this cycle's `list-panes`. */
  pane: PaneRecord;
  /** `agent` or `pm`. */
  role: "agent" | "pm";
  /** How it came to be monitored. */
  source: "registered" | "named-pm" | "detected";
  /** The profile used to read its screen. */
  profile: AgentProfile;
  /** Display name: `@tmux-orc-name`, else its target. */
  name: string;
  /** Identifies the agent for cooldown marks: its name when registered and unique, else its pane id. */
  key: string;
  /** `session:window_index.pane_index`. */
  target: string;
  /** The PM pane (`%N`), when it has one. */
  pmPaneId?: string;
}

/** What earlier cycles auto-detected in a pane. */
export interface Detection {
  /** The profile's name. */
  profile: string;
  /** `pane_pid` when detected: a new process in the pane ends the detection. */
  pid: number;
  /** The foreground command name when detected. */
  command: string;
}

/** Input for {@linkcode classifyPanes}. */
export interface ClassifyInput {
  /** This cycle's panes (control session already left out). */
  panes: readonly PaneRecord[];
  /** The profiles. */
  profiles: ReadonlyMap<string, AgentProfile>;
  /** Whether unregistered panes may be auto-detected. */
  autoDetect: boolean;
  /** Screens captured this cycle, by pane id (for generic runtimes). */
  screens?: ReadonlyMap<string, string>;
  /** Earlier detections, by pane id. */
  detections?: ReadonlyMap<string, Detection>;
  /**
   * The foreground command lines of generic-runtime panes, by pane id, where known: a command
   * line that names a CLI identifies the pane without a screen.
   */
  processes?: ReadonlyMap<string, ProcessHint>;
}

/** The answer of {@linkcode classifyPanes}. */
export interface Classification {
  /** Monitored panes, in `list-panes` order. */
  agents: AgentPane[];
  /**
   * Panes that need a screen before they can be classified (a generic runtime with no
   * registration or earlier detection, or a registered pane whose CLI is a generic runtime):
   * capture them and classify again with `screens`. Only listed when not in `screens` already.
   */
  needScreen: PaneRecord[];
  /** The detections to remember for the next cycle (auto-detected panes only). */
  detections: Map<string, Detection>;
}

/** `session:window_index.pane_index`, a target tmux accepts whatever the names contain. */
export function paneTarget(pane: PaneRecord): string {
  return `${pane.sessionName}:${pane.windowIndex}.${pane.paneIndex}`;
}

/** Whether some profile names `command` as a generic runtime (`node`…) that needs a signature. */
export function isWrapperCommand(
  command: string,
  profiles: ReadonlyMap<string, AgentProfile>,
): boolean {
  const name = commandName(command);
  if (name === "") return false;
  for (const profile of profiles.values()) {
    if (profile.wrapperProcessNames.includes(name)) return true;
  }
  return false;
}

function registeredRole(pane: PaneRecord): "agent" | "pm" | undefined {
  const role = pane.role.trim().toLowerCase();
  return role === "agent" || role === "pm" ? role : undefined;
}

function isShellFor(command: string, profile: AgentProfile): boolean {
  const name = commandName(command);
  return name !== "" && profile.shells.includes(name);
}

/**
 * Decides which panes are agents (see the module documentation). Call it once without screens;
 * if `needScreen` is not empty, capture those panes and call it again with `screens`.
 */
export function classifyPanes(input: ClassifyInput): Classification {
  const { panes, profiles } = input;
  const step: ClassifyStep = {
    input,
    screens: input.screens ?? new Map<string, string>(),
    previous: input.detections ?? new Map<string, Detection>(),
    detections: new Map<string, Detection>(),
    needScreen: [],
    fallback: profiles.get(DEFAULT_PROFILE) ?? profiles.values().next().value,
  };
  const byId = new Map(panes.map((pane) => [pane.paneId, pane]));
  const namedPms = new Set<string>();
  for (const pane of panes) {
    if (registeredRole(pane) && pane.pm && pane.pm !== pane.paneId && byId.has(pane.pm)) {
      namedPms.add(pane.pm);
    }
  }
  const found: Found[] = [];
  for (const pane of panes) {
    const role = registeredRole(pane) ?? (namedPms.has(pane.paneId) ? "pm" : undefined);
    const one = role ? classifyRegistered(step, pane, role) : classifyDetected(step, pane);
    if (one) found.push(one);
  }
  return {
    agents: nameAndPm(found),
    needScreen: step.needScreen,
    detections: step.detections,
  };
}

/** A pane found to be monitored, before its name, key and PM are settled. */
interface Found {
  pane: PaneRecord;
  role: "agent" | "pm";
  source: AgentPane["source"];
  profile: AgentProfile;
}

/** One classification's inputs and what it collects. */
interface ClassifyStep {
  input: ClassifyInput;
  screens: ReadonlyMap<string, string>;
  previous: ReadonlyMap<string, Detection>;
  detections: Map<string, Detection>;
  needScreen: PaneRecord[];
  fallback: AgentProfile | undefined;
}

/** A registered pane, or one named as a PM: its profile, by registration, process or screen. */
function classifyRegistered(
  step: ClassifyStep,
  pane: PaneRecord,
  role: "agent" | "pm",
): Found | undefined {
  const { profiles } = step.input;
  let profile = identifyProfile(pane, { profiles });
  const earlier = step.previous.get(pane.paneId);
  if (!profile && earlier && earlier.pid === pane.pid) profile = profiles.get(earlier.profile);
  if (!profile && isWrapperCommand(pane.currentCommand, profiles)) {
    const process = step.input.processes?.get(pane.paneId);
    const screen = step.screens.get(pane.paneId);
    if (screen === undefined && !identifyProfile(pane, { profiles, process })) {
      step.needScreen.push(pane);
      return undefined;
    }
    // Remember the answer (the default profile when no signature shows), so the pane is
    // not captured again just to look for one.
    profile = identifyProfile(pane, { profiles, screen, process, width: pane.width }) ??
      step.fallback;
    if (profile) {
      step.detections.set(pane.paneId, {
        profile: profile.name,
        pid: pane.pid,
        command: commandName(pane.currentCommand),
      });
    }
  }
  if (!profile && step.fallback) profile = step.fallback;
  if (!profile) return undefined;
  if (earlier && earlier.pid === pane.pid && !step.detections.has(pane.paneId)) {
    step.detections.set(pane.paneId, earlier);
  }
  return { pane, role, source: registeredRole(pane) ? "registered" : "named-pm", profile };
}

/**
 * An unregistered pane (with auto-detection on): an agent when its process is a known CLI, or a
 * generic runtime whose command line or screen names one; it stays one while the same process
 * tree runs and its foreground is that CLI or a shell.
 */
function classifyDetected(step: ClassifyStep, pane: PaneRecord): Found | undefined {
  const { profiles, autoDetect } = step.input;
  if (!autoDetect) return undefined;
  const command = commandName(pane.currentCommand);
  let profile = identifyProfile({ profile: "", currentCommand: pane.currentCommand }, {
    profiles,
  });
  const earlier = step.previous.get(pane.paneId);
  if (earlier && earlier.pid === pane.pid) {
    const known = profiles.get(earlier.profile);
    if (
      known &&
      (profile?.name === known.name || command === earlier.command ||
        isShellFor(pane.currentCommand, known) || pane.dead)
    ) {
      profile = known;
    }
  }
  if (!profile && isWrapperCommand(pane.currentCommand, profiles)) {
    const unregistered = { profile: "", currentCommand: pane.currentCommand };
    const process = step.input.processes?.get(pane.paneId);
    const screen = step.screens.get(pane.paneId);
    if (screen === undefined && !identifyProfile(unregistered, { profiles, process })) {
      step.needScreen.push(pane);
      return undefined;
    }
    profile = identifyProfile(unregistered, { profiles, screen, process, width: pane.width });
  }
  if (!profile) {
    // Not watched while this program runs; remembered for when the shell is back.
    if (earlier && earlier.pid === pane.pid) step.detections.set(pane.paneId, earlier);
    return undefined;
  }
  const sameAsBefore = earlier && earlier.pid === pane.pid && earlier.profile === profile.name;
  step.detections.set(
    pane.paneId,
    sameAsBefore ? earlier : { profile: profile.name, pid: pane.pid, command },
  );
  return { pane, role: "agent", source: "detected", profile };
}

/**
 * Names, keys and PMs: a registered name is the key when unique among this cycle's agents; an
 * agent's PM is the pane its `@tmux-orc-pm` names, else the first `pm` pane of its session.
 */
function nameAndPm(found: readonly Found[]): AgentPane[] {
  const nameCount = new Map<string, number>();
  for (const { pane } of found) {
    const name = pane.name.trim();
    if (name !== "") nameCount.set(name, (nameCount.get(name) ?? 0) + 1);
  }
  const monitored = new Set(found.map((f) => f.pane.paneId));
  const sessionPm = new Map<string, PaneRecord>();
  for (const { pane, role } of found) {
    if (role !== "pm" || sessionPm.has(pane.sessionId)) continue;
    sessionPm.set(pane.sessionId, pane); // list-panes -a lists windows and panes in index order
  }
  return found.map(({ pane, role, source, profile }): AgentPane => {
    const registeredName = pane.name.trim();
    const target = paneTarget(pane);
    const agent: AgentPane = {
      pane,
      role,
      source,
      profile,
      name: registeredName || target,
      key: registeredName && nameCount.get(registeredName) === 1 ? registeredName : pane.paneId,
      target,
    };
    let pm: string | undefined;
    if (pane.pm && pane.pm !== pane.paneId && monitored.has(pane.pm)) pm = pane.pm;
    else if (role === "agent") pm = sessionPm.get(pane.sessionId)?.paneId;
    if (pm !== undefined && pm !== pane.paneId) agent.pmPaneId = pm;
    return agent;
  });
}

/**
 * Which profile describes the CLI in a pane: registration, process name, the command line of a
 * generic runtime, or a screen signature (see `profiles.ts` for the order).
 *
 * @module
 */

import type { AgentProfile } from "./profile_types.ts";
import type { PaneRecord } from "../tmux/types.ts";
import { content, screenLines } from "./lines.ts";

/** The bare command name: no directory, no login-shell dash, lower case. */
export function commandName(command: string): string {
  const base = command.trim().split("/").pop() ?? "";
  return base.replace(/^-/, "").toLowerCase();
}

/** Whether a `pane_current_command` is one of the profile's shells (the agent has exited). */
export function isShellCommand(command: string, profile: AgentProfile): boolean {
  const name = commandName(command);
  return name !== "" && profile.shells.includes(name);
}

/** What is known of the program a generic runtime runs (see `process_facts.ts`). */
export interface ProcessHint {
  /** The foreground process's argv (`node /usr/lib/node_modules/@openai/codex/bin/codex.js`). */
  argv: readonly string[];
  /** The npm package its script or executable belongs to. */
  package?: { name: string };
}

/** Options for {@linkcode identifyProfile}. */
export interface IdentifyOptions {
  /** The profiles to choose from (from {@linkcode loadProfiles}). */
  profiles: ReadonlyMap<string, AgentProfile>;
  /** The pane's screen, when captured: needed for generic runtimes such as `node`. */
  screen?: string;
  /** The foreground program's command line, when known: names the CLI a runtime runs. */
  process?: ProcessHint;
  /** The pane's width in cells: the screen is read as detection reads it (`lines.ts`). */
  width?: number;
}

/**
 * The names a runtime's command line gives its program: the script's file name without its
 * extension (`…/bin/codex.js` → `codex`) and the package name's last part (`@openai/codex` →
 * `codex`), lower case.
 */
export function programNames(hint: ProcessHint): string[] {
  const names: string[] = [];
  for (const arg of hint.argv.slice(1, 3)) {
    if (arg.startsWith("-")) continue;
    const base = commandName(arg).replace(/\.(?:[cm]?js|ts|exe|py)$/, "");
    if (base !== "") names.push(base);
  }
  const pkg = hint.package?.name.split("/").pop()?.toLowerCase();
  if (pkg) names.push(pkg);
  return names;
}

/**
 * Decides which profile describes the CLI in a pane: the registered `@tmux-orc-profile`, else a
 * profile whose process names match `pane_current_command`, else (for generic runtimes such as
 * `node`) the profile its command line names, else the profile with the most `signature`
 * patterns found on the screen. Returns `undefined` when nothing fits.
 */
export function identifyProfile(
  pane: Pick<PaneRecord, "profile" | "currentCommand">,
  options: IdentifyOptions,
): AgentProfile | undefined {
  const { profiles } = options;
  if (pane.profile) {
    const registered = profiles.get(pane.profile);
    if (registered) return registered;
  }
  const command = commandName(pane.currentCommand);
  if (command === "") return undefined;
  for (const profile of profiles.values()) {
    if (profile.processNames.includes(command)) return profile;
  }
  for (const profile of profiles.values()) {
    if (profile.processNamePatterns.some((re) => re.test(command))) return profile;
  }
  if (options.process) {
    const names = programNames(options.process);
    for (const profile of profiles.values()) {
      if (!profile.wrapperProcessNames.includes(command)) continue;
      if (profile.processNames.some((name) => names.includes(name))) return profile;
    }
  }
  if (options.screen === undefined) return undefined;
  return bestSignatureMatch(
    command,
    screenLines(options.screen, { width: options.width }),
    profiles,
  );
}

/**
 * The profile, among those that name `command` as a wrapper (the process fact), with the most
 * `signature` patterns found on the screen. A pattern counts when it matches a line as captured
 * (bounded, see `lines.ts`) or the same line with box borders stripped (`│ Allow execution…`
 * inside a dialog box), anywhere on the screen. Ties go to the first profile.
 */
function bestSignatureMatch(
  command: string,
  lines: readonly string[],
  profiles: ReadonlyMap<string, AgentProfile>,
): AgentProfile | undefined {
  const stripped = lines.map(content);
  const found = (re: RegExp) => lines.some((line, i) => re.test(stripped[i]) || re.test(line));
  let best: AgentProfile | undefined;
  let bestScore = 0;
  for (const profile of profiles.values()) {
    if (!profile.wrapperProcessNames.includes(command)) continue;
    const score = profile.signature.filter(found).length;
    if (score > bestScore) {
      best = profile;
      bestScore = score;
    }
  }
  return best;
}

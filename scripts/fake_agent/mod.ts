/**
 * The one fake agent that tests, `deno task demo` and the benchmark share, as two kinds:
 *
 * - a **process** in a pane (`main.ts`): a Claude-Code-like program that reads keys, logs what is
 *   submitted and changes state on commands in its control file; it costs a Deno process, so
 *   tests and the demo run a handful. This module builds its command line, writes its control
 *   file and reads its message log;
 * - **drawn** screens (`screens.ts`, `fake_pm.ts`): the same screens written straight onto a
 *   pane's terminal while the pane sleeps, so the benchmark can run 1,000 agents.
 *
 * @example
 * ```ts ignore
 * const agent = { log: `${dir}/msgs.jsonl`, control: `${dir}/ctl.jsonl`, busyMs: 300 };
 * await tmux(["send-keys", "-t", pane, "-l", "--", fakeAgentCommandLine(agent)]);
 * await sendControl(agent.control, { state: "waiting" });
 * ```
 *
 * @module
 */

import { shellQuote } from "../../src/tmux/commands.ts";
import type { PromptStyle } from "./screens.ts";

/** Path of the fake agent program. */
export const FAKE_AGENT_MAIN: string = new URL("./main.ts", import.meta.url).pathname;

/** How one fake agent process runs. */
export interface FakeAgentFiles {
  /** Where submitted messages go (JSON lines `{"ts":"…","text":"…"}`). */
  log: string;
  /** The control file it polls (JSON lines; see {@linkcode FakeAgentCommand}). */
  control: string;
  /** Input box style. @default {"rule"} */
  style?: PromptStyle;
  /** How long it stays busy after a message (ms). @default {1500} */
  busyMs?: number;
}

/** A line of the control file. */
export type FakeAgentCommand =
  | { state: "idle" | "active" | "waiting" | "error" }
  | { state: "rate_limited"; resets?: string }
  | { state: "stuck"; text?: string }
  | { swallowEnter: number }
  | { exit: number };

/** The argv that runs the fake agent with the current deno. */
export function fakeAgentArgv(files: FakeAgentFiles): string[] {
  return [
    Deno.execPath(),
    "run",
    "-A",
    FAKE_AGENT_MAIN,
    "--log",
    files.log,
    "--control",
    files.control,
    ...(files.style ? ["--style", files.style] : []),
    ...(files.busyMs === undefined ? [] : ["--busy-ms", String(files.busyMs)]),
  ];
}

/** {@linkcode fakeAgentArgv} as one shell-quoted line: typed into a shell, or `--command`. */
export function fakeAgentCommandLine(files: FakeAgentFiles): string {
  return fakeAgentArgv(files).map(shellQuote).join(" ");
}

/** Appends `command` to a fake agent's control file (it acts within ~100 ms). */
export async function sendControl(control: string, command: FakeAgentCommand): Promise<void> {
  await Deno.writeTextFile(control, JSON.stringify(command) + "\n", { append: true });
}

/** The messages a fake agent received (submitted with Enter), oldest first; none before any. */
export async function readMessages(log: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(log)).split("\n").filter((line) => line !== "")
      .map((line) => JSON.parse(line).text);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

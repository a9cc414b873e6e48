/**
 * Helpers for the shipping tests: run a script or a command as argv and collect its output.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The repository root, without a trailing slash. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** The outcome of a command. */
export interface Output {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `argv` to completion (stdin closed, output piped). */
export async function runArgv(
  argv: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; clearEnv?: boolean } = {},
): Promise<Output> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    clearEnv: options.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs `scripts/<name>` with deno and all permissions. */
export function runScript(
  name: string,
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<Output> {
  return runArgv([Deno.execPath(), "run", "-A", `${ROOT}/scripts/${name}`, ...args], {
    ...options,
    cwd: ROOT,
  });
}

/** The path of `program` on PATH, or `undefined`. */
export function which(program: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${program}`).isFile) return `${dir}/${program}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Whether a program is on PATH. */
export function onPath(program: string): boolean {
  return which(program) !== undefined;
}

/** Asserts-style check that stderr is exactly one line (no stack trace). */
export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n").filter((l) => !/^Task /.test(l));
  if (lines.length !== 1) throw new Error(`Expected one line on stderr, got:\n${stderr}`);
  return lines[0];
}

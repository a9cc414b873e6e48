/**
 * Prometheus's own tools for tests: `promtool` and the `prometheus` server (Debian's `prometheus`
 * package; `.ci/run` installs it). A test whose tool is missing skips with one loud line.
 *
 * @module
 */

import { commandWorks } from "../helpers/mod.ts";

/** Whether `promtool` runs; otherwise says so loudly and the test returns. */
export function promtoolOrSkip(t: Deno.TestContext): boolean {
  if (commandWorks(["promtool", "--version"])) return true;
  console.error(`!! SKIPPED ${t.name}: promtool is not installed (apt-get install prometheus)`);
  return false;
}

/** Whether `prometheus` runs; otherwise says so loudly and the test returns. */
export function prometheusOrSkip(t: Deno.TestContext): boolean {
  if (commandWorks(["prometheus", "--version"]) && commandWorks(["promtool", "--version"])) {
    return true;
  }
  console.error(`!! SKIPPED ${t.name}: prometheus is not installed (apt-get install prometheus)`);
  return false;
}

/** Runs promtool to completion (stdin optional). */
export async function runPromtool(
  args: readonly string[],
  options: { stdin?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("promtool", {
    args: [...args],
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

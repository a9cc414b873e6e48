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

/** A free TCP port on 127.0.0.1 (bound, read and released; never a well-known default). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** `GET http://127.0.0.1:PORT/PATH`: status and body, or `undefined` when nothing answers. */
export async function httpGet(
  port: number,
  path: string,
): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** The value of the one sample line `name{labels}` matching `pattern` in `text`, if any. */
export function sampleValue(text: string, pattern: RegExp): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    if (pattern.test(line)) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

/**
 * The real Claude Code, configured as the suite configures it, contacts nothing but its mock:
 * every `connect()` of it and of every process it starts (git, ssh, rg…) is traced with
 * `strace -f`, and must go to 127.0.0.1 (or a Unix socket); no DNS query may be sent. Run for
 * both sign-ins the suite uses (API key, gateway token). Skips with one loud line when Claude
 * Code cannot be installed or `strace` is missing.
 */

import assert from "node:assert/strict";
import { ensureRealCli, makePrivateHome, realCliOrSkip, RealServer } from "../harness/mod.ts";
import { startAnthropicMock } from "./mock_api.ts";
import { type ClaudeAuth, claudeEnv, seedHome, workDir } from "./setup.ts";

function haveStrace(): boolean {
  try {
    return new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** The remote ends of the traced `connect()` calls that are not loopback or Unix sockets. */
export function foreignConnects(trace: string): string[] {
  const foreign: string[] = [];
  for (const line of trace.split("\n")) {
    if (!line.includes("connect(") || line.includes("AF_UNIX")) continue;
    const v4 = /sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)/.exec(line);
    const v6 = /sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"/.exec(line);
    const [port, addr] = v4 ? [v4[1], v4[2]] : v6 ? [v6[1], v6[2]] : ["?", ""];
    if (!v4 && !v6) {
      if (/AF_INET6?\b/.test(line)) foreign.push(line.trim());
      continue;
    }
    const loopback = addr.startsWith("127.") || addr === "::1" || addr === "::ffff:127.0.0.1";
    if (!loopback || port === "53") foreign.push(`${addr}:${port}`);
  }
  return foreign;
}

async function traceOneRun(auth: ClaudeAuth): Promise<{ foreign: string[]; paths: string[] }> {
  const installed = await ensureRealCli("claude");
  if ("skip" in installed) throw new Error(installed.skip);
  const mock = await startAnthropicMock([
    { kind: "tool_use", name: "Bash", input: { command: "echo traced", description: "Echo" } },
    { kind: "text", text: "Traced run finished." },
  ]);
  const home = await makePrivateHome("tmux-orc-real-claude-trace-");
  const server = RealServer.create();
  const traceFile = `${home.dir}/strace.txt`;
  try {
    const options = { baseUrl: mock.server.url, auth, allow: ["Bash(echo:*)"] };
    await seedHome(home.dir, options);
    const pane = await server.openPane({
      argv: ["strace", "-f", "-qq", "-e", "trace=connect", "-o", traceFile, installed.bin],
      env: claudeEnv(home.dir, options),
      cwd: workDir(home.dir),
    });
    await pane.waitForScreen(/─{20,}\s*\n❯[^\n]*\n─{20,}/, { timeoutMs: 45_000, what: "prompt" });
    await pane.sendText("run the traced command");
    await pane.waitForScreen(/❯.run the traced command/, { timeoutMs: 10_000 });
    await pane.sendKeys("Enter");
    await pane.waitForScreen(/Traced run finished\./, { timeoutMs: 30_000, what: "the reply" });
    // Let start-up work that runs late (update checks, plugin sync) have its chance too.
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    await server.kill();
    await mock.close();
  }
  try {
    const trace = await Deno.readTextFile(traceFile);
    assert.match(trace, /connect\(/, "strace recorded no connect() at all");
    return {
      foreign: foreignConnects(trace),
      paths: mock.server.requests.map((r) => `${r.method} ${r.path}`),
    };
  } finally {
    await home.cleanup();
  }
}

Deno.test("claude isolation: the connect() parser tells loopback from the world", () => {
  const trace = [
    '12 connect(12, {sa_family=AF_INET, sin_port=htons(40123), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    '13 connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
    '14 connect(5, {sa_family=AF_UNIX, sun_path="/tmp/x"}, 110) = 0',
    '15 connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("160.79.104.10")}, 16) = -1',
  ].join("\n");
  assert.deepEqual(foreignConnects(trace), ["10.255.255.53:53", "160.79.104.10:443"]);
});

for (const auth of ["api_key", "gateway"] as const) {
  Deno.test({
    name: `claude isolation: with a ${auth} sign-in Claude Code contacts only its mock`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      if (!await realCliOrSkip("claude")) return;
      if (!haveStrace()) {
        console.warn("SKIP real claude isolation: strace is not installed");
        return;
      }
      const { foreign, paths } = await traceOneRun(auth);
      assert.deepEqual(foreign, [], "Claude Code (or a child) connected off the machine");
      assert.ok(paths.length >= 2, `the mock saw ${paths.length} requests`);
      assert.deepEqual([...new Set(paths)], ["POST /v1/messages"]);
    },
  });
}

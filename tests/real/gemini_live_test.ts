/**
 * Live: the real monitor watches the real Gemini CLI 0.61.0 in every scenario of
 * `gemini/suite.ts` and must report each state (the latency table is printed); and a monitor
 * started while a Gemini pane (process `node`) shows a dialog recognises it from that screen; and
 * under `strace` a whole session connects to nothing but the mock.
 */
import assert from "node:assert/strict";
import { cliArgv, runCli, signal } from "../helpers/mod.ts";
import { LIVE_MONITOR_FLAGS, realCliOrSkip, RealServer, runLiveSuite } from "./harness/mod.ts";
import { SUITE } from "./gemini/suite.ts";
import { openGemini, submit } from "./gemini/session.ts";

/** The monitor presses Enter on stuck input (then it is sent and gone); keep it for the poll. */
const MONITOR_FLAGS = ["--no-submit-stuck"];

async function installed(): Promise<boolean> {
  return (await realCliOrSkip("gemini")) !== undefined;
}

Deno.test({
  name: "live: the monitor reports every state of the real Gemini CLI",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await installed()) return;
    const only = Deno.env.get("TMUX_ORC_REAL_ONLY")?.split(",").filter((n) => n !== "");
    const results = await runLiveSuite(SUITE, {
      only,
      concurrency: 3,
      monitorFlags: MONITOR_FLAGS,
    });
    assert.equal(results.length, only?.length ?? SUITE.scenarios.length);
    const wrong = results.filter((r) => !r.ok);
    assert.deepEqual(
      wrong.map((r) => `${r.scenario}: ${r.state} wanted, ${r.seen} seen (${r.detail})`),
      [],
    );
  },
});

Deno.test({
  name: "live: a monitor started while Gemini shows a dialog recognises the node pane",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: Deno.env.get("TMUX_ORC_REAL_ONLY") !== undefined,
  fn: async () => {
    if (!await installed()) return;
    const scenario = SUITE.scenarios.find((s) => s.name === "shell_permission_scrolled")!;
    const stateDir = await Deno.makeTempDir({ prefix: "tmux-orc-live-" });
    const server = RealServer.create();
    let monitor: Deno.ChildProcess | undefined;
    try {
      await server.openPane({ argv: ["cat"], env: { PATH: "/usr/bin:/bin", HOME: stateDir } });
      const session = await SUITE.open(scenario, { server });
      try {
        await scenario.drive(session);
        assert.equal((await session.pane.facts()).currentCommand, "node");
        // The monitor's first sight of this pane is the dialog under a long reply: no header, no
        // input box, only the dialog's boxed lines say "Gemini".
        const global = ["--state-dir", stateDir, "-L", server.socket];
        const argv = cliArgv(["monitor", ...LIVE_MONITOR_FLAGS, ...MONITOR_FLAGS, ...global]);
        monitor = new Deno.Command(argv[0], {
          args: argv.slice(1),
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        const deadline = performance.now() + 20_000;
        let seen = "nothing";
        for (;;) {
          const r = await runCli(["agents", "--json", "--all", ...global]);
          const rows = r.code === 0 ? JSON.parse(r.stdout) as Record<string, string>[] : [];
          const row = rows.find((a) => a.pane_id === session.pane.paneId);
          if (row) seen = `${row.profile}/${row.state}: ${row.detail}`;
          if (row?.profile === "gemini" && row.state === "waiting") break;
          assert.ok(performance.now() < deadline, `not recognised; last seen ${seen}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        await session.close();
      }
    } finally {
      if (monitor) {
        signal(monitor.pid, "SIGTERM");
        await monitor.status;
      }
      await server.kill();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "live: a whole Gemini CLI session connects to nothing but the mock (strace)",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: Deno.env.get("TMUX_ORC_REAL_ONLY") !== undefined,
  fn: async () => {
    if (!await installed()) return;
    const strace = await new Deno.Command("strace", {
      args: ["-V"],
      stdout: "null",
      stderr: "null",
    })
      .output().then((r) => r.success, () => false);
    if (!strace) {
      console.warn("SKIP real gemini isolation: strace is not installed");
      return;
    }
    const dir = await Deno.makeTempDir({ prefix: "tmux-orc-live-" });
    const trace = `${dir}/connect.trace`;
    const server = RealServer.create();
    try {
      await server.openPane({ argv: ["cat"], env: { PATH: "/usr/bin:/bin", HOME: dir } });
      const session = await openGemini("isolation", {
        script: [{ text: "Hello from the mock." }],
        wrap: ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace],
      }, { server });
      try {
        await submit(session, "hi");
        await session.pane.waitForScreen(/Hello from the mock/, { what: "the reply" });
        await submit(session, "/quit");
        await session.pane.waitForScreen(/To resume this session/, { what: "the exit summary" });
      } finally {
        await session.close();
      }
      const port = new URL(session.api.url).port;
      const lines = (await Deno.readTextFile(trace)).split("\n");
      const inet = lines.filter((l) => /sa_family=AF_INET6?\b/.test(l));
      assert.ok(inet.some((l) => l.includes(`htons(${port})`)), "the mock was never called");
      const elsewhere = inet.filter((l) =>
        !(l.includes(`htons(${port})`) && l.includes('inet_addr("127.0.0.1")'))
      );
      assert.deepEqual(elsewhere, [], "connections beyond the mock");
      assert.deepEqual(lines.filter((l) => l.includes("htons(53)")), [], "DNS queries");
    } finally {
      await server.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

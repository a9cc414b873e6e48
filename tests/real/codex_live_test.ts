/**
 * Live: the real monitor watching the real Codex CLI 0.171.0 in every scenario of
 * `codex/suite.ts` (mock Responses API on 127.0.0.1). Prints the table of results and detection
 * latencies; every scenario must be reported in its state, identified as `codex`.
 * `TMUX_ORC_REAL_ONLY=name,name` runs only those scenarios.
 */

import assert from "node:assert/strict";
import { realCliOrSkip, RealServer, runLiveSuite } from "./harness/mod.ts";
import { type CodexSession, SUITE } from "./codex/suite.ts";

const skip = (await realCliOrSkip("codex")) === undefined;

Deno.test({
  name: "real codex: the monitor reports every state of the live CLI",
  ignore: skip,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const only = Deno.env.get("TMUX_ORC_REAL_ONLY")?.split(",").filter((s) => s !== "");
    // The monitor presses Enter on stuck input by default, which ends the stuck_input state
    // within a cycle; this test is about what the monitor sees, so that action is off.
    const results = await runLiveSuite(SUITE, {
      only,
      concurrency: 3,
      monitorFlags: ["--no-submit-stuck"],
    });
    assert.equal(results.length, only?.length ?? SUITE.scenarios.length);
    const wrong = results.filter((r) => !r.ok);
    assert.deepEqual(
      wrong.map((r) =>
        `${r.scenario}: want ${r.state}, saw ${r.seen} (${r.detail}) ${r.error ?? ""}`
      ),
      [],
    );
  },
});

Deno.test({
  name: "real codex: calls nothing but the mock (every other call ends at a local proxy trap)",
  ignore: skip,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = RealServer.create();
    const calls: string[] = [];
    try {
      // A pane of its own keeps the server up between the scenarios' windows.
      await server.openPane({ argv: ["cat"], env: { PATH: "/usr/bin:/bin", HOME: "/tmp" } });
      for (const name of ["after_reply", "usage_limit_under_offer", "sign_in"]) {
        const base = SUITE.scenarios.find((s) => s.name === name)!;
        const session = await SUITE.open(base, { server }) as CodexSession;
        try {
          await base.drive(session);
          // Start-up and after-turn work (titles, usage, plugins, updates) has time to call out.
          await new Promise((resolve) => setTimeout(resolve, 3000));
          const paths = session.server.requests.map((r) => `${r.method} ${r.path}`);
          console.log(`${name}: mock saw ${JSON.stringify([...new Set(paths)])}`);
          console.log(`${name}: trap saw ${JSON.stringify(session.trap.seen)}`);
          calls.push(...session.trap.seen);
          for (const path of paths) assert.equal(path, "POST /v1/responses", name);
          for (const r of session.server.requests) {
            assert.equal(r.headers.authorization, "Bearer sk-mock-codex", name);
          }
        } finally {
          await session.close();
        }
      }
      // The one call no setting of 0.171 switches off: the start-up announcement tip
      // (codex-rs/tui/src/tooltips.rs, prewarmed unconditionally). It ends at the trap.
      const known = /^CONNECT raw\.githubusercontent\.com:443 /;
      assert.deepEqual(calls.filter((c) => !known.test(c)), [], "calls beyond the mock");
    } finally {
      await server.kill();
    }
  },
});

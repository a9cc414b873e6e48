/**
 * Live: the real monitor watches the real Gemini CLI 0.61.0 in every scenario of
 * `gemini/suite.ts` and must report each state (the latency table is printed).
 */
import assert from "node:assert/strict";
import { ensureRealCli, runLiveSuite } from "./harness/mod.ts";
import { SUITE } from "./gemini/suite.ts";

Deno.test({
  name: "live: the monitor reports every state of the real Gemini CLI",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const installed = await ensureRealCli("gemini");
    if (!("bin" in installed)) {
      console.warn(`SKIP real gemini: ${installed.skip}`);
      return;
    }
    const only = Deno.env.get("TMUX_ORC_REAL_ONLY")?.split(",").filter((n) => n !== "");
    const results = await runLiveSuite(SUITE, { only, concurrency: 3 });
    assert.equal(results.length, only?.length ?? SUITE.scenarios.length);
    const wrong = results.filter((r) => !r.ok);
    assert.deepEqual(
      wrong.map((r) => `${r.scenario}: ${r.state} wanted, ${r.seen} seen (${r.detail})`),
      [],
    );
  },
});

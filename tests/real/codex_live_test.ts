/**
 * Live: the real monitor watching the real Codex CLI 0.171.0 in every scenario of
 * `codex/suite.ts` (mock Responses API on 127.0.0.1). Prints the table of results and detection
 * latencies; every scenario must be reported in its state, identified as `codex`.
 * `TMUX_ORC_REAL_ONLY=name,name` runs only those scenarios.
 */

import assert from "node:assert/strict";
import { ensureRealCli, runLiveSuite } from "./harness/mod.ts";
import { SUITE } from "./codex/suite.ts";

const installed = await ensureRealCli("codex");
const skip = "bin" in installed ? undefined : installed.skip;
if (skip) console.warn(`SKIP real codex: ${skip}`);

Deno.test({
  name: "real codex: the monitor reports every state of the live CLI",
  ignore: skip !== undefined,
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

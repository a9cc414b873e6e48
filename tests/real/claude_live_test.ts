/**
 * Live: the REAL monitor watching the REAL Claude Code (pinned 2.1.332) in every scenario of
 * `claude/suite.ts`, each against its mock Anthropic API. Prints the table of states and
 * detection latencies. Skips with one loud line only when Claude Code cannot be installed.
 *
 * `TMUX_ORC_LIVE_ONLY=a,b` runs only the named scenarios.
 */

import assert from "node:assert/strict";
import { realCliOrSkip, runLiveSuite } from "./harness/mod.ts";
import { SUITE, UNEXPECTED_REQUESTS } from "./claude/suite.ts";

Deno.test({
  name: "live: the monitor reports every state of the real Claude Code",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await realCliOrSkip("claude")) return;
    const only = Deno.env.get("TMUX_ORC_LIVE_ONLY")?.split(",").filter((s) => s !== "");
    const started = performance.now();
    // Detection only: the monitor must not press Enter on stuck input (its default action),
    // or the stuck state lasts one cycle and the reply that follows hides it. An unrecognised
    // screen turns unknown after `--unknown-after` (60 s by default): 5 s here.
    const flags = ["--no-submit-stuck", "--unknown-after", "5"];
    const results = await runLiveSuite(SUITE, { only, monitorFlags: flags });
    console.log(
      `claude live: ${results.length} scenarios in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
    assert.equal(results.length, only?.length ?? SUITE.scenarios.length);
    assert.deepEqual(UNEXPECTED_REQUESTS, [], "Claude Code called the mock off the Messages API");
    const wrong = results.filter((r) => !r.ok);
    assert.deepEqual(
      wrong.map((r) =>
        `${r.scenario}: want ${r.state}, saw ${r.seen} (${r.detail}) ${r.error ?? ""}`
      ),
      [],
    );
  },
});

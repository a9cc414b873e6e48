/**
 * Security: logs and history hold no full pane captures by default — at most a short detail.
 */
import assert from "node:assert/strict";
import { tmux } from "../helpers/mod.ts";
import { Sandbox } from "../helpers/sandbox.ts";

Deno.test("a pane's screen never lands whole in the logs or the events table", async () => {
  const box = await Sandbox.create();
  try {
    const pane = (await tmux(box.socket, ["new-window", "-d", "-P", "-F", "#{pane_id}", "cat"]))
      .stdout.trim();
    for (
      const [k, v] of [["@tmux-orc-role", "agent"], ["@tmux-orc-profile", "claude"], [
        "@tmux-orc-name",
        "secretive",
      ]]
    ) {
      assert.equal((await tmux(box.socket, ["set-option", "-p", "-t", pane, k, v])).code, 0);
    }
    const marker = Array.from({ length: 12 }, (_, i) => `SECRET-LINE-${i}-${"x".repeat(30)}`).join(
      "\r",
    );
    await tmux(box.socket, ["send-keys", "-t", pane, "-l", marker + "\r"]);
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) {
      const r = await box.cli(["monitor", "--once", "--idle-after", "0.1"]);
      assert.equal(r.code, 0, r.stderr);
      await new Promise((r) => setTimeout(r, 200));
    }
    const agents = JSON.parse((await box.cli(["agents", "--json"])).stdout);
    assert.ok(agents.some((a: { pane_id: string }) => a.pane_id === pane), "the pane was watched");
    const events = (await box.cli(["events", "--json", "-n", "1000"])).stdout;
    const logs = await Deno.readTextFile(`${box.dir}/logs/monitor.jsonl`);
    for (const [what, text] of [["logs", logs], ["events", events]]) {
      const seen = new Set(text.match(/SECRET-LINE-\d+/g) ?? []);
      assert.ok(seen.size <= 2, `${what} hold ${seen.size} lines of the screen`);
    }
  } finally {
    await box.cleanup();
  }
});

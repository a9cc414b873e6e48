/**
 * Security: private modes, symlinked state files refused, pane text never interpreted.
 */
import assert from "node:assert/strict";
import { runCli, tempStateDir } from "../helpers/mod.ts";

for (const name of ["monitor.pid", "monitor.lock", "heartbeat.json"]) {
  Deno.test(`a symlinked state file (${name}) is refused and its target left untouched`, async () => {
    const { dir, cleanup } = await tempStateDir();
    const target = await Deno.makeTempFile();
    try {
      await Deno.writeTextFile(target, "precious");
      await Deno.symlink(target, `${dir}/${name}`);
      const r = await runCli([
        "monitor",
        "--once",
        "--state-dir",
        dir,
        "-L",
        `tmux-orc-test-none-${crypto.randomUUID()}`,
      ]);
      assert.equal(await Deno.readTextFile(target), "precious");
      if (name === "heartbeat.json") {
        // The cycle itself survives; the refusal is logged and reported, the target untouched.
        const log = await Deno.readTextFile(`${dir}/logs/monitor.jsonl`);
        assert.match(log, /Refusing a symlinked state file/);
      } else {
        assert.equal(r.code, 1);
        assert.equal(r.stderr.trim(), `tmux-orc: Refusing a symlinked state file: ${dir}/${name}`);
      }
    } finally {
      await Deno.remove(target);
      await cleanup();
    }
  });
}

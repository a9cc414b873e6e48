// deno-lint-ignore-file no-control-regex -- the test reads the escape sequences tmux draws
/**
 * The status-line snippet of docs/status_line.md, as written there, in a real tmux server: a
 * client of that server runs inside a pane of a second private server, whose screen capture is
 * what the status line really draws. The options are set as the monitor sets them (its writes are
 * proven in status_metrics_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { killTmuxServer, privateSocketName, ROOT, tmux, waitFor } from "../helpers/mod.ts";

/** The fenced block between the snippet markers of docs/status_line.md. */
async function snippet(): Promise<string> {
  const doc = await Deno.readTextFile(join(ROOT, "docs", "status_line.md"));
  const block = /<!-- snippet:tmux\.conf -->\s*```tmux\n([\s\S]*?)```\s*<!-- \/snippet -->/.exec(
    doc,
  );
  assert.ok(block, "docs/status_line.md has the snippet block");
  return block[1];
}

Deno.test("docs snippet: status-right shows the summary, window names show each agent's mark", async () => {
  const inner = privateSocketName();
  const outer = privateSocketName();
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-snippet-" });
  try {
    const conf = join(dir, "tmux.conf");
    await Deno.writeTextFile(conf, await snippet());
    const run = async (socket: string, args: string[]) => {
      const r = await tmux(socket, args);
      if (r.code !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await run(inner, ["-f", conf, "new-session", "-d", "-s", "main", "-n", "asker", "-x", "100"]);
    const asker = await run(inner, ["display-message", "-p", "-t", "main:asker", "#{pane_id}"]);
    const worker = await run(inner, [
      "new-window",
      "-d",
      "-t",
      "main:",
      "-n",
      "worker",
      "-P",
      "-F",
      "#{pane_id}",
    ]);
    await run(inner, ["new-window", "-d", "-t", "main:", "-n", "shell"]);
    // What the monitor writes.
    await run(inner, ["set-option", "-g", "@tmux-orc-summary", "⚠ 1 waiting · 1 active"]);
    await run(inner, ["set-option", "-p", "-t", asker, "@tmux-orc-state", "waiting"]);
    await run(inner, ["set-option", "-p", "-t", worker, "@tmux-orc-state", "active"]);
    // A client of the inner server, drawn into a pane of the outer one.
    const client = ["env", "-u", "TMUX", "TERM=xterm-256color", "tmux", "-u", "-L", inner];
    await run(outer, [
      "new-session",
      "-d",
      "-s",
      "view",
      "-x",
      "120",
      "-y",
      "8",
      "--",
      ...client,
      "attach",
      "-t",
      "main",
    ]);
    const statusLine = async () => {
      const screen = await run(outer, ["capture-pane", "-p", "-e", "-t", "view"]);
      return screen.split("\n").filter((l) => l.trim() !== "").at(-1) ?? "";
    };
    const drawn = await waitFor(async () => {
      const line = await statusLine();
      return line.includes("⚠ 1 waiting · 1 active") ? line : undefined;
    }, { timeoutMs: 10_000, everyMs: 100, what: "the summary in the status line" });
    const plain = drawn.replace(/\x1b\[[0-9;]*m/g, "");
    assert.match(plain, / 0:asker ⚠ /);
    assert.match(plain, / 1:worker ● /);
    assert.match(plain, / 2:shell {1,2}/, "a pane that is no agent gets no mark");
    assert.doesNotMatch(plain, /shell [⚠●○✗⏳]/);
    assert.match(plain, /⚠ 1 waiting · 1 active \d\d:\d\d/);
    // Red (colour196) and bold while it starts with ⚠ …
    assert.match(
      drawn,
      /\x1b\[[0-9;]*(1;38;5;196|38;5;196;1|38;5;196)m[^\x1b]*(\x1b\[1m)?⚠ 1 waiting/,
    );
    // … green once all is well.
    await run(inner, ["set-option", "-g", "@tmux-orc-summary", "✓ 2 active"]);
    await run(inner, ["set-option", "-p", "-t", asker, "@tmux-orc-state", "active"]);
    await run(inner, ["refresh-client", "-S"]).catch(() => {});
    const green = await waitFor(async () => {
      const line = await statusLine();
      return line.includes("✓ 2 active") ? line : undefined;
    }, { timeoutMs: 10_000, everyMs: 100, what: "the all-fine summary" });
    assert.match(green, /38;5;34m[^\x1b]*✓ 2 active/);
    assert.match(green.replace(/\x1b\[[0-9;]*m/g, ""), / 0:asker ● /);
  } finally {
    await killTmuxServer(outer);
    await killTmuxServer(inner);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

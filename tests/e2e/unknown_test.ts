/**
 * End to end, real processes on a private tmux server: an agent whose CLI turns to a screen its
 * profile does not recognise (a new version's layout, an unknown dialog) while the real monitor
 * watches. It must not stay `active`: it becomes `unknown` after `--unknown-after`, `agents`
 * marks it, `monitor status` counts it, and the PM is told after `--notify-unknown-after`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../helpers/mod.ts";
import { type AgentJson, Team } from "./team.ts";

const RULE = "─".repeat(60);

/** A Claude-Code-like busy screen; once `trigger` exists, a full-screen view nothing knows. */
function driftingCli(trigger: string): string {
  return `
const fs = require("node:fs");
const draw = (lines) => process.stdout.write("\\x1b[2J\\x1b[H" + lines.join("\\r\\n"));
let frame = 0;
const busy = setInterval(() => {
  if (fs.existsSync(${JSON.stringify(trigger)})) {
    clearInterval(busy);
    draw(["  Welcome to the new workspace view", "", "  [ Projects ]   [ Sessions ]   [ Settings ]"]);
    return;
  }
  draw(["> refactor the parser", "", "● Working on it.", "",
    "✻ Refactoring… (" + (frame++) + "s · esc to interrupt)", "",
    "${RULE}", "> ", "${RULE}", "  ? for shortcuts"]);
}, 200);
setInterval(() => {}, 1000);
`;
}

Deno.test("e2e: an unrecognised screen becomes unknown, is marked, counted and told to the PM", async () => {
  const team = await Team.create();
  try {
    const pm = await team.agent({ window: "pm", busyMs: 150 });
    await team.register(pm.paneId, ["--role", "pm", "--name", "pm", "--profile", "claude"]);
    const trigger = join(team.box.dir, "drift");
    const script = join(team.box.dir, "drifting_cli.js");
    await Deno.writeTextFile(script, driftingCli(trigger));
    const paneId = await team.tmux([
      "new-window",
      "-d",
      "-t",
      "main",
      "-n",
      "drifter",
      "-P",
      "-F",
      "#{pane_id}",
      "node",
      script,
    ]);
    await team.register(paneId, ["--name", "drifter", "--profile", "claude"]);
    team.startMonitor(["--unknown-after", "2", "--notify-unknown-after", "1"]);
    const drifter = async () => (await team.agents()).find((a) => a.name === "drifter");
    await waitFor(async () => (await drifter())?.state === "active", {
      timeoutMs: 20_000,
      everyMs: 100,
      what: "the drifting CLI seen busy",
    });

    await Deno.writeTextFile(trigger, "");
    const t0 = performance.now();
    const unknown = await waitFor(async () => {
      const a = await drifter() as AgentJson & { recognised: boolean | null };
      return a?.state === "unknown" ? a : undefined;
    }, { timeoutMs: 15_000, everyMs: 100, what: "drifter unknown" });
    const latency = performance.now() - t0;
    console.log(
      `unknown shown ${Math.round(latency)} ms after the screen changed (--unknown-after 2)`,
    );
    assert.ok(latency >= 1_800, `unknown only after --unknown-after: ${latency} ms`);
    assert.equal(unknown.detail, "no input prompt recognised for 2 s");
    assert.equal(unknown.recognised, false);

    const table = await team.box.cli(["agents"]);
    assert.equal(table.code, 0, table.stderr);
    const row = table.stdout.split("\n").find((line) => line.startsWith("drifter"));
    assert.match(row ?? "", /\bclaude\?\s+unknown\b/);
    assert.match(table.stdout, /^\? the profile does not recognise what the pane shows/m);
    const pmRow = table.stdout.split("\n").find((line) => line.startsWith("pm "));
    assert.doesNotMatch(pmRow ?? "", /claude\?/, "a recognised pane has no marker");

    // The user reports it in one command: the fixture pair names the state the monitor saw.
    const out = join(team.box.dir, "drift_fixture");
    const captured = await team.box.cli(["capture", paneId, "--out", out]);
    assert.equal(captured.code, 0, captured.stderr);
    assert.match(captured.stdout, /detection sees unknown \(screen not recognised\)/);
    assert.match(captured.stdout, /tests\/fixtures\/screens\/claude\/unknown-version\/unknown\//);
    const sidecar = JSON.parse(await Deno.readTextFile(`${out}.json`));
    assert.equal(sidecar.monitorState, "unknown");
    assert.equal(sidecar.seen.recognised, false);
    assert.match(await Deno.readTextFile(`${out}.txt`), /Welcome to the new workspace view/);

    const status = await team.box.cli(["monitor", "status"]);
    assert.match(status.stdout, /^Agents: .*\b1 unknown\b/m);

    const told = await waitFor(async () => {
      const messages = (await pm.messages()).filter((m) => m.includes("drifter"));
      return messages.length > 0 ? messages : undefined;
    }, { timeoutMs: 15_000, everyMs: 100, what: "the PM told" });
    assert.match(
      told[0],
      /^\[tmux-orc\] drifter \(%\d+\) is in an unknown state: no input prompt recognised for 2 s$/,
    );
    // Told once per episode.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await pm.messages()).filter((m) => m.includes("drifter")).length, 1);
  } finally {
    await team.cleanup();
  }
});

/**
 * Hostile output: a program in a pane names itself with terminal escapes (OSC 52 clipboard write,
 * clear screen, title) and bidi overrides, and prints them; the state dir's own name carries them
 * too. Every command a person runs must print none of them raw — text shows them visibly, JSON
 * escapes them — while JSON still round-trips the exact name.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { safeJson, safeJsonLine, safeText } from "../../src/util/safe_text.ts";
import { readJson, runCli, tmux, waitFor } from "../helpers/mod.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";

const HOSTILE =
  "pm\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]0;owned\x07\u202Egnp.sh\u2066\u0085\u009b31m\r$(id)";
/** What must never reach a terminal raw (newline and tab are layout; nothing else). */
const RAW = new RegExp(
  String
    .raw`[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]`,
);

/** The outputs that hold a raw unsafe character, each with the first one found. */
function leaks(outputs: readonly [string, string][]): string[] {
  return outputs.flatMap(([what, text]) => {
    const match = text.match(RAW);
    return match ? [`${what} (U+${match[0].charCodeAt(0).toString(16).padStart(4, "0")})`] : [];
  });
}

Deno.test("hostile names and pane text: no command prints an escape or bidi control raw", async () => {
  const box = await Sandbox.create();
  const dir = `${box.dir}/state\x1b]0;dir\x07\u202E`;
  const global = ["--state-dir", dir, "-L", box.socket];
  const cli = (args: string[]) => runCli([...args, ...global]);
  try {
    // The pane program registers itself under the hostile name and prints it.
    const script = [
      'tmux set-option -p -t "$TMUX_PANE" @tmux-orc-role agent',
      'tmux set-option -p -t "$TMUX_PANE" @tmux-orc-profile aider',
      'tmux set-option -p -t "$TMUX_PANE" @tmux-orc-name "$0"',
      'printf "%s rate limited\\n" "$0"',
      "exec cat",
    ].join("; ");
    const pane = (await tmux(box.socket, [
      "new-window",
      "-d",
      "-P",
      "-F",
      "#{pane_id}",
      "sh",
      "-c",
      script,
      HOSTILE,
    ])).stdout.trim();
    assert.match(pane, /^%\d+$/);
    await waitFor(
      async () =>
        (await tmux(box.socket, ["show-options", "-p", "-v", "-t", pane, "@tmux-orc-name"]))
          .stdout.includes("owned"),
      { timeoutMs: 5000, what: "the pane to name itself" },
    );

    const start = await cli(["monitor", "start", "--supervised", ...FAST]);
    box.track((await readJson<{ pid: number }>(`${dir}/supervisor.pid`))?.pid);
    box.track((await readJson<{ pid: number }>(`${dir}/monitor.pid`))?.pid);
    assert.equal(start.code, 0, start.stderr);

    const agents = await waitFor(async () => {
      const r = await cli(["agents", "--json"]);
      const list = JSON.parse(r.stdout || "[]") as { name: string; pane_id: string }[];
      return list.some((a) => a.pane_id === pane && a.name === HOSTILE) ? r : undefined;
    }, { timeoutMs: 15000, what: "the monitor to see the hostile agent" });

    const outputs: [string, string][] = [
      ["monitor start", start.stdout + start.stderr],
      ["agents --json", agents.stdout + agents.stderr],
    ];
    const runs: [string, string[]][] = [
      ["agents", ["agents"]],
      ["events", ["events", "-n", "1000"]],
      ["events --json", ["events", "--json", "-n", "1000"]],
      ["monitor status", ["monitor", "status"]],
      ["monitor status --json", ["monitor", "status", "--json"]],
      ["monitor logs", ["monitor", "logs", "-n", "1000"]],
      ["monitor logs --json", ["monitor", "logs", "--json", "-n", "1000"]],
      ["events --agent", ["events", "--agent", HOSTILE]],
      ["events --since (error)", ["events", "--since", HOSTILE]],
      ["events --kind (error)", ["events", "--kind", HOSTILE]],
      ["agent unregister (error)", ["agent", "unregister", HOSTILE]],
      ["send (error)", ["send", HOSTILE, "hello"]],
      ["unknown command (error)", [HOSTILE]],
    ];
    for (const [what, args] of runs) {
      const r = await cli(args);
      outputs.push([what, r.stdout + r.stderr]);
    }
    assert.deepEqual(leaks(outputs), [], "outputs that printed a raw escape or bidi control");

    const byName = Object.fromEntries(outputs);
    // The hostile text did reach each output, shown visibly rather than dropped.
    assert.match(byName["agents"], /\\x1b\]52;c;/);
    assert.match(byName["events"], /\\x1b\]52;c;.*<U\+202E>/);
    assert.match(byName["monitor status"], /state\\x1b\]0;dir\\x07<U\+202E>/);
    assert.match(
      byName["events --since (error)"],
      /^tmux-orc: Invalid value for --since: .*\\x1b/m,
    );
    assert.match(byName["monitor logs --json"], /\\u001b\]52/);
    assert.match(byName["agents --json"], /\\u202e/);
    // JSON escapes, it does not mangle: the exact name round-trips.
    const events = JSON.parse(byName["events --json"]) as { agent: string | null }[];
    assert.ok(events.some((e) => e.agent === HOSTILE), "events --json keeps the exact name");
    const status = JSON.parse(byName["monitor status --json"]);
    assert.equal(status.state_dir, dir);
    for (const line of byName["monitor logs --json"].trim().split("\n")) JSON.parse(line);
    console.log(`    ${outputs.length} outputs checked, 0 raw escape or bidi characters`);
  } finally {
    await runCli(["monitor", "stop", ...global]);
    await box.cleanup();
  }
});

Deno.test("property: safeText leaves nothing a terminal acts on; safeJson round-trips exactly", () => {
  const hostileChar = fc.oneof(
    fc.integer({ min: 0, max: 0x20 }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x7f, max: 0xa0 }).map((c) => String.fromCharCode(c)),
    fc.constantFrom("\u061c", "\u200e", "\u200f", "\u2028", "\u2029", "\ufeff"),
    fc.integer({ min: 0x202a, max: 0x202e }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x2066, max: 0x2069 }).map((c) => String.fromCharCode(c)),
    fc.string({ maxLength: 3 }),
  );
  const hostile = fc.array(hostileChar, { maxLength: 40 }).map((parts) => parts.join(""));
  fc.assert(
    fc.property(hostile, (text) => {
      assert.doesNotMatch(safeText(text), RAW);
      assert.doesNotMatch(safeText(text).replace(/[\n\t]/g, ""), RAW);
      assert.doesNotMatch(safeText(text, { keepLines: true }).replace(/[\n\t]/g, ""), RAW);
      const json = safeJson({ text, list: [text] }, 2);
      assert.doesNotMatch(json.replace(/\n/g, ""), RAW);
      assert.deepEqual(JSON.parse(json), { text, list: [text] });
      const line = JSON.stringify({ text });
      assert.deepEqual(JSON.parse(safeJsonLine(line)), { text });
    }),
    { numRuns: 3000 },
  );
  assert.equal(safeText("a\x1b[2Jb\u202Ec\u009b"), "a\\x1b[2Jb<U+202E>c<U+009B>");
  assert.equal(safeJson("\u202e\x1b"), '"\\u202e\\u001b"');
});

/**
 * The fake agent's pure parts: keys read from a raw terminal, the input line they edit, the
 * screen parts every fake agent draws (detection must read them as Claude Code), and the command
 * line and control file of the fake agent process.
 *
 * @module
 */

import assert from "node:assert/strict";
import { analyzeScreen } from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";
import { editInput, type Key, parseKeys } from "../../scripts/fake_agent/keys.ts";
import {
  busyLine,
  permissionDialog,
  pmScreen,
  promptBox,
} from "../../scripts/fake_agent/screens.ts";
import {
  FAKE_AGENT_MAIN,
  fakeAgentArgv,
  fakeAgentCommandLine,
  readMessages,
  sendControl,
} from "../../scripts/fake_agent/mod.ts";

const CLAUDE = loadProfiles().get("claude")!;

Deno.test("keys: escape sequences are skipped, control keys named, other controls ignored", () => {
  const keys = parseKeys("ab\x1b[A\x1bOP\x1b[200~c\x1b[201~\x7f\b\x15\x03\x1b\x01\r\n");
  assert.deepEqual(keys, [
    { kind: "char", char: "a" },
    { kind: "char", char: "b" },
    { kind: "char", char: "c" },
    { kind: "backspace" },
    { kind: "backspace" },
    { kind: "clear" },
    { kind: "interrupt" },
    { kind: "escape" },
    { kind: "enter" },
    { kind: "enter" },
  ]);
});

Deno.test("keys: the input line takes characters, loses whole code points, clears on Ctrl-U", () => {
  const edit = (keys: Key[], from = "") => keys.reduce(editInput, from);
  assert.equal(edit(parseKeys("héllo 👋")), "héllo 👋");
  assert.equal(edit(parseKeys("\x7f"), "ok 👋"), "ok ");
  assert.equal(edit(parseKeys("\x15x"), "some text"), "x");
  assert.equal(edit([{ kind: "enter" }, { kind: "escape" }], "kept"), "kept");
});

Deno.test("screen parts: both prompt styles and the dialog read as Claude Code", () => {
  for (const style of ["rule", "boxed"] as const) {
    const box = promptBox(60, { input: "run the tests", style });
    assert.equal(box.length, 4);
    assert.ok(box.every((line) => [...line].length <= 60), style);
    const screen = analyzeScreen(["● Done.", "", ...box].join("\n"), CLAUDE);
    assert.equal(screen.inputBox?.text, "run the tests", style);
  }
  const busy = analyzeScreen(
    ["● Working", "", busyLine("✻", "Pondering", 3, "↓ 21"), "", ...promptBox(60)].join("\n"),
    CLAUDE,
  );
  assert.match(busy.busy ?? "", /esc to interrupt/);
  const dialog = permissionDialog(60, { command: "npm test", description: "d", scope: "here" });
  assert.ok(dialog.includes(" Do you want to proceed?"));
  assert.ok(dialog.includes("   2. Yes, and don't ask again for npm test commands in here"));
});

Deno.test("pm screen: the input box shows the end of a long input and the cursor after it", () => {
  const short = pmScreen("hello", { width: 40 });
  assert.equal(short.lines[short.cursorY], "> hello");
  assert.equal(short.cursorX, 2 + 5);
  const long = pmScreen("x".repeat(50) + "END", { width: 40 });
  assert.equal(long.lines[long.cursorY], `> ${"x".repeat(33)}END`);
  assert.equal(long.cursorX, 2 + 36);
});

Deno.test("fake agent process: argv, quoted command line, control file and message log", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-fake-" });
  try {
    const files = { log: `${dir}/it's.jsonl`, control: `${dir}/ctl.jsonl` };
    const argv = fakeAgentArgv(files);
    assert.equal(argv[0], Deno.execPath());
    assert.equal(argv[argv.indexOf("-A") + 1], FAKE_AGENT_MAIN);
    assert.deepEqual(argv.slice(-4), ["--log", files.log, "--control", files.control]);
    const styled = fakeAgentArgv({ ...files, style: "boxed", busyMs: 300 });
    assert.deepEqual(styled.slice(-4), ["--style", "boxed", "--busy-ms", "300"]);
    assert.ok(fakeAgentCommandLine(files).includes(`'${dir}/it'\\''s.jsonl'`));
    assert.ok((await Deno.stat(FAKE_AGENT_MAIN)).isFile);

    assert.deepEqual(await readMessages(files.log), [], "no log yet: no messages");
    await Deno.writeTextFile(files.log, '{"ts":"t","text":"one"}\n{"ts":"t","text":"two"}\n');
    assert.deepEqual(await readMessages(files.log), ["one", "two"]);

    await sendControl(files.control, { state: "waiting" });
    await sendControl(files.control, { swallowEnter: 2 });
    assert.equal(
      await Deno.readTextFile(files.control),
      '{"state":"waiting"}\n{"swallowEnter":2}\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

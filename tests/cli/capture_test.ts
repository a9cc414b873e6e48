/**
 * `tmux-orc capture` against a real private tmux server: a node program in a pane draws a screen,
 * the capture is saved as a fixture pair, and the pair goes through detection as the golden test
 * reads it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectState } from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";
import { Sandbox } from "../helpers/sandbox.ts";
import { cliArgv, tmux, waitFor } from "../helpers/mod.ts";
import { paneRecord } from "../agents/helpers.ts";

const RULE = "─".repeat(60);

/** A made-up CLI: its signature is drawn inside a box, its prompt is Claude Code's rule style. */
const PROFILES = {
  fakecli: {
    extends: "claude",
    description: "A made-up CLI for the capture test",
    processNames: ["fakecli"],
    processNamePatterns: [],
    wrapperProcessNames: ["node"],
    signature: ["^Fake CLI ready$"],
  },
};

const SCREEN_JS = `
const lines = [
  "╭──────────────────────────╮",
  "│ Fake CLI ready           │",
  "╰──────────────────────────╯",
  "",
  "● Done: nothing to do.",
  "",
  "${RULE}",
  "> ",
  "${RULE}",
  "  ? for shortcuts",
];
process.stdout.write("\\x1b[2J\\x1b[H" + lines.join("\\r\\n"));
setInterval(() => {}, 1000);
`;

async function fakePackage(dir: string): Promise<string> {
  const pkg = join(dir, "node_modules", "@example", "fakecli");
  await Deno.mkdir(join(pkg, "bin"), { recursive: true });
  await Deno.writeTextFile(
    join(pkg, "package.json"),
    JSON.stringify({ name: "@example/fakecli", version: "3.14.15" }),
  );
  await Deno.writeTextFile(join(pkg, "bin", "fakecli.js"), SCREEN_JS);
  return join(pkg, "bin", "fakecli.js");
}

Deno.test("capture: a node pane's screen and facts become a fixture pair the golden test reads", async () => {
  const box = await Sandbox.create();
  const work = await Deno.makeTempDir({ prefix: "tmux-orc-capture-" });
  try {
    await Deno.writeTextFile(join(box.dir, "profiles.json"), JSON.stringify(PROFILES));
    const script = await fakePackage(work);
    const started = await tmux(box.socket, [
      "new-window",
      "-d",
      "-P",
      "-F",
      "#{pane_id}",
      "-t",
      "main",
      "node",
      script,
    ]);
    assert.equal(started.code, 0, started.stderr);
    const paneId = started.stdout.trim();
    await waitFor(async () => {
      const r = await tmux(box.socket, ["capture-pane", "-p", "-J", "-t", paneId]);
      return r.stdout.includes("? for shortcuts") ? true : undefined;
    }, { timeoutMs: 10_000, what: "the fake CLI's screen" });

    const out = join(work, "idle_prompt");
    const r = await box.cli(["capture", paneId, "--out", `${out}.txt`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Saved %\d+ \(main:1\.0, fakecli 3\.14\.15; detection sees unknown\)/);
    assert.match(r.stdout, /tests\/fixtures\/screens\/fakecli\/3\.14\.15\/<state>\//);

    const screen = await Deno.readTextFile(`${out}.txt`);
    const live = await tmux(box.socket, ["capture-pane", "-p", "-J", "-t", paneId]);
    assert.equal(screen.trimEnd(), live.stdout.trimEnd(), "the screen exactly as tmux has it");
    const sidecar = JSON.parse(await Deno.readTextFile(`${out}.json`));
    const size = (await tmux(box.socket, [
      "display-message",
      "-p",
      "-t",
      paneId,
      "#{pane_width} #{pane_height}",
    ])).stdout.trim().split(" ").map(Number);
    assert.equal(sidecar.pane.currentCommand, "node");
    assert.deepEqual(
      { width: sidecar.recorded.width, height: sidecar.recorded.height },
      { width: size[0], height: size[1] },
    );
    assert.equal(sidecar.recorded.version, "3.14.15");
    assert.equal(sidecar.recorded.versionSource, "package");
    assert.equal(sidecar.recorded.package, "@example/fakecli");
    assert.equal(sidecar.recorded.cli, "fakecli");
    assert.ok(Math.abs(Date.parse(sidecar.recorded.at) - Date.now()) < 60_000);
    assert.equal(sidecar.wallNow, sidecar.recorded.at);
    assert.ok(!Number.isNaN(Date.parse(sidecar.pane.windowActivity)));
    assert.equal(sidecar.monitorState, undefined, "no monitor has watched it");
    assert.deepEqual(sidecar.seen, {
      state: "unknown",
      detail: "not enough evidence yet",
      recognised: true,
    });

    // The golden test's way of reading the pair: pane facts from the sidecar, then detection.
    const profile = loadProfiles(PROFILES).get("fakecli")!;
    const pane = paneRecord({
      ...sidecar.pane,
      windowActivity: Date.parse(sidecar.pane.windowActivity) / 1000,
    });
    const wall = Date.parse(sidecar.wallNow);
    const first = detectState({ pane, capture: screen, monoNow: 0, wallNow: wall, profile });
    const second = detectState({
      pane,
      capture: screen,
      previous: first,
      monoNow: 21_000,
      wallNow: wall + 21_000,
      profile,
    });
    assert.equal(first.state, sidecar.seen.state);
    assert.equal(second.state, "idle");

    // Existing files are not overwritten without --force; a bad target is one line.
    const again = await box.cli(["capture", paneId, "--out", out]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^tmux-orc: Refusing to overwrite .*idle_prompt\.txt \(use --force\)\n$/,
    );
    assert.equal((await box.cli(["capture", paneId, "--out", out, "--force"])).code, 0);
    const missing = await box.cli(["capture", "%999"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tmux-orc: Pane not found: %999\n$/);
  } finally {
    await box.cleanup();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("capture: a pane no profile recognises is saved too, named after its pane", async () => {
  const box = await Sandbox.create();
  const work = await Deno.makeTempDir({ prefix: "tmux-orc-capture-" });
  try {
    const started = await tmux(box.socket, [
      "new-window",
      "-d",
      "-P",
      "-F",
      "#{pane_id}",
      "-t",
      "main",
      "sh",
      "-c",
      "printf 'hello from a plain program\\n'; exec sleep 600",
    ]);
    const paneId = started.stdout.trim();
    await waitFor(async () => {
      const r = await tmux(box.socket, ["capture-pane", "-p", "-t", paneId]);
      return r.stdout.includes("hello from") ? true : undefined;
    }, { timeoutMs: 10_000, what: "the program's output" });
    const argv = cliArgv(["capture", paneId, ...box.global]);
    const r = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: work,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(r.stdout);
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.match(stdout, /no profile recognised/);
    const files = [...Deno.readDirSync(work)].map((e) => e.name).sort();
    assert.equal(files.length, 2, files.join(", "));
    assert.match(files[0], /^unknown-unknown-version-\d+-\d{8}T\d{6}Z\.json$/);
    const sidecar = JSON.parse(await Deno.readTextFile(join(work, files[0])));
    assert.equal(sidecar.recorded.cli, null);
    assert.equal(sidecar.pane.currentCommand, "sleep");
    assert.equal(sidecar.seen, undefined);
  } finally {
    await box.cleanup();
    await Deno.remove(work, { recursive: true });
  }
});

/**
 * Hostile files: links planted where tmux-orc writes (every state file, the logs and their rotated
 * generations, hard links as well as symlinks) and state dirs that belong to someone else. Real
 * supervisor and monitor processes run against them; a link's target must keep its content and
 * its mode, and a foreign state dir must be refused before anything is written into it.
 */
import assert from "node:assert/strict";
import { runCli } from "../helpers/mod.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";

const NOBODY = 65534;
const PRECIOUS = "precious\n";

/** A file outside the state dir that must survive: its content and mode are checked after. */
async function target(): Promise<{ path: string; assertUntouched: (what: string) => void }> {
  const path = await Deno.makeTempFile({ prefix: "tmux-orc-target-" });
  await Deno.writeTextFile(path, PRECIOUS);
  await Deno.chmod(path, 0o644);
  return {
    path,
    assertUntouched(what) {
      assert.equal(Deno.readTextFileSync(path), PRECIOUS, `${what}: the target's content changed`);
      assert.equal(Deno.statSync(path).mode! & 0o7777, 0o644, `${what}: the target's mode changed`);
    },
  };
}

/** Starts the supervised monitor, lets it run a few cycles, and stops it. */
async function runDaemons(box: Sandbox): Promise<{ code: number; stderr: string }> {
  const start = await box.cli(["monitor", "start", "--supervised", "--wait", "5", ...FAST]);
  await box.pidOf("supervisor");
  await box.pidOf("monitor");
  if (start.code === 0) {
    await new Promise((r) => setTimeout(r, 800)); // a few cycles: heartbeats, pid repairs, logs
  }
  await box.cli(["monitor", "stop", "--timeout", "2"]);
  return start;
}

const STATE_FILES = [
  "supervisor.lock",
  "supervisor.pid",
  "supervisor.json",
  "monitor.lock",
  "monitor.pid",
  "heartbeat.json",
  "logs/supervisor.jsonl",
  "logs/monitor.jsonl",
];

for (const kind of ["symlink", "hard link"] as const) {
  Deno.test(`a ${kind} planted at each state file: the target is never written`, async () => {
    const refused: string[] = [];
    for (const name of STATE_FILES) {
      const box = await Sandbox.create();
      const t = await target();
      try {
        await Deno.mkdir(`${box.dir}/logs`, { mode: 0o700 });
        if (kind === "symlink") await Deno.symlink(t.path, `${box.dir}/${name}`);
        else await Deno.link(t.path, `${box.dir}/${name}`);
        const r = await runDaemons(box);
        t.assertUntouched(`${kind} at ${name}`);
        if (r.code !== 0) refused.push(name);
        if (kind === "symlink" && name.startsWith("supervisor.") && name !== "supervisor.json") {
          // The background supervisor's refusal reaches the one who ran `monitor start`.
          assert.equal(
            r.stderr.trim(),
            `tmux-orc: Monitor exited during start-up with code 1: Refusing a symlinked state file: ${box.dir}/${name}`,
          );
        }
      } finally {
        await box.cleanup();
        await Deno.remove(t.path);
      }
    }
    console.log(
      `    ${STATE_FILES.length} ${kind}s planted, ${STATE_FILES.length} targets untouched; the daemons refused to start for: ${
        refused.join(", ") || "none"
      } (and ran for the rest)`,
    );
  });
}

Deno.test("log rotation with symlinks planted at every rotated generation", async () => {
  const box = await Sandbox.create();
  const targets = await Promise.all([1, 2, 3, 4].map(() => target()));
  try {
    await Deno.mkdir(`${box.dir}/logs`, { mode: 0o700 });
    // A current log one line short of the 5 MB limit: the first records rotate it.
    const line = JSON.stringify({ "@timestamp": "2026-01-01T00:00:00.000Z", message: "x" }) + "\n";
    const filler = line.repeat(Math.ceil((5 * 1024 * 1024 - 100) / line.length));
    await Deno.writeTextFile(`${box.dir}/logs/monitor.jsonl`, filler, { mode: 0o600 });
    for (const [i, t] of targets.entries()) {
      await Deno.symlink(t.path, `${box.dir}/logs/monitor.jsonl.${i + 1}`);
    }
    const r = await runDaemons(box);
    assert.equal(r.code, 0, r.stderr);
    for (const [i, t] of targets.entries()) t.assertUntouched(`monitor.jsonl.${i + 1}`);
    const current = await Deno.lstat(`${box.dir}/logs/monitor.jsonl`);
    assert.ok(current.isFile && current.size < 1024 * 1024, "rotated: a fresh current log");
    const rotated = await Deno.lstat(`${box.dir}/logs/monitor.jsonl.1`);
    assert.ok(rotated.isFile && rotated.size > 5_000_000, "the old log became .1");
    console.log("    rotation past 4 planted links: 4 targets untouched, rotation done");
  } finally {
    await box.cleanup();
    for (const t of targets) await Deno.remove(t.path);
  }
});

Deno.test("a symlinked logs directory is refused", async () => {
  const box = await Sandbox.create({ tmux: false });
  const elsewhere = await Deno.makeTempDir();
  try {
    await Deno.symlink(elsewhere, `${box.dir}/logs`);
    const r = await box.cli(["monitor", "--once"]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `tmux-orc: Refusing a symlinked state directory: ${box.dir}/logs`,
    );
    assert.deepEqual([...Deno.readDirSync(elsewhere)], [], "nothing written through the link");
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
    await box.cleanup();
  }
});

Deno.test("state dirs owned by another user, or reached through one, are refused untouched", async () => {
  const box = await Sandbox.create({ tmux: false });
  try {
    // 1. The state dir itself belongs to nobody (root would chmod and write into it).
    const foreign = `${box.dir}/foreign`;
    await Deno.mkdir(foreign, { mode: 0o700 });
    await Deno.chown(foreign, NOBODY, NOBODY);
    // 2. Ours, but inside a directory nobody owns (nobody could swap it for a symlink).
    const home = `${box.dir}/home-of-nobody`;
    await Deno.mkdir(`${home}/.local/state/tmux-orc`, { recursive: true, mode: 0o700 });
    await Deno.chown(home, NOBODY, NOBODY);
    // 3. Not there yet, to be created inside nobody's directory.
    const fresh = `${home}/.cache/tmux-orc`;
    const all = [["monitor", "--once"], ["monitor", "status"], ["monitor", "stop"], ["events"], [
      "supervise",
    ]];
    // A state dir that does not exist yet is only created by the daemons; readers find nothing.
    const creators = [["monitor", "--once"], ["supervise"], ["monitor", "start"]];
    const cases: [string, RegExp, string[][]][] = [
      [foreign, /^tmux-orc: State dir is owned by uid 65534, not by you \(uid 0\): /, all],
      [`${home}/.local/state/tmux-orc`, /on the way to it is owned by uid 65534, not by you/, all],
      [fresh, /on the way to it is owned by uid 65534, not by you/, creators],
    ];
    let refusals = 0;
    for (const [dir, pattern, commands] of cases) {
      for (const args of commands) {
        const r = await runCli([...args, "--state-dir", dir, "-L", `tmux-orc-none-${box.socket}`]);
        assert.equal(r.code, 1, `${args.join(" ")} ${dir}: ${r.stdout}${r.stderr}`);
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], pattern);
        refusals++;
      }
    }
    assert.deepEqual([...Deno.readDirSync(foreign)], [], "nothing written into the foreign dir");
    assert.deepEqual(
      [...Deno.readDirSync(`${home}/.local/state/tmux-orc`)],
      [],
      "nothing written under the foreign parent",
    );
    assert.equal(await Deno.lstat(fresh).catch(() => null), null, "nothing created there");
    assert.equal((await Deno.stat(foreign)).mode! & 0o777, 0o700, "its mode untouched");
    console.log(`    ${refusals} refusals (3 dirs, 13 commands), nothing written`);
  } finally {
    await box.cleanup();
  }
});

Deno.test("a planted log link refuses the start with one line naming it", async () => {
  for (const kind of ["symlink", "hard link"] as const) {
    const box = await Sandbox.create({ tmux: false });
    const t = await target();
    try {
      await Deno.mkdir(`${box.dir}/logs`, { mode: 0o700 });
      const log = `${box.dir}/logs/monitor.jsonl`;
      if (kind === "symlink") await Deno.symlink(t.path, log);
      else await Deno.link(t.path, log);
      const r = await box.cli(["monitor", "--once"]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(
        r.stderr.trim(),
        `tmux-orc: Refusing a ${
          kind === "symlink" ? "symlinked" : "hard-linked"
        } state file: ${log}`,
      );
      t.assertUntouched(`${kind} at logs/monitor.jsonl`);
    } finally {
      await box.cleanup();
      await Deno.remove(t.path);
    }
  }
});

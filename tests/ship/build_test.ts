import assert from "node:assert/strict";
import { join } from "node:path";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { VERSION } from "../../src/version.ts";
import { oneLine, onPath, ROOT, runArgv, runScript, which } from "./helpers.ts";

const BUILD_INFO = join(ROOT, "src", "build_info.ts");

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("compile with DENORT_BIN=/nonexistent fails with one line saying how to get the runtime", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const output = join(dir, "tmux-orc");
    const out = await runScript("compile.ts", ["--output", output], {
      env: { DENORT_BIN: "/nonexistent/denort" },
    });
    assert.equal(out.code, 1, out.stdout);
    const line = oneLine(out.stderr);
    assert.match(
      line,
      /^Cannot compile: Deno's runtime \(denort\) for \S+ is not available offline: set DENORT_BIN to a denort binary for /,
    );
    assert.match(line, /denort-\S+\.zip/);
    assert.match(line, /DENORT_BIN names \/nonexistent\/denort, which does not exist/);
    assert.equal(await exists(output), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "compile refuses a runtime that is not denort and removes what it built",
  ignore: !onPath("true") || Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir();
    const before = await Deno.readTextFile(BUILD_INFO);
    try {
      const output = join(dir, "tmux-orc");
      const fake = which("true")!;
      const out = await runScript("compile.ts", ["--output", output], {
        env: { DENORT_BIN: fake },
      });
      assert.equal(out.code, 1, out.stdout);
      assert.match(oneLine(out.stderr), /^Cannot compile for \S+: the built program does not run/);
      assert.equal(await exists(output), false);
      assert.equal(await Deno.readTextFile(BUILD_INFO), before, "working tree left as it was");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("release: DENORT_BIN with several targets and unknown targets are one clear line", async () => {
  const several = await runScript("release.ts", [], { env: { DENORT_BIN: "/x/denort" } });
  assert.equal(several.code, 1);
  assert.match(oneLine(several.stderr), /DENORT_BIN names one runtime but several targets/);
  const unknown = await runScript("release.ts", ["--targets", "sparc-sun-solaris"]);
  assert.equal(unknown.code, 1);
  assert.match(oneLine(unknown.stderr), /^Unknown target: sparc-sun-solaris/);
  const missing = await runScript("release.ts", ["--targets", "aarch64-apple-darwin"], {
    env: { DENORT_BIN_AARCH64_APPLE_DARWIN: "/nonexistent" },
  });
  assert.equal(missing.code, 1);
  assert.match(
    oneLine(missing.stderr),
    /^Cannot compile: Deno's runtime \(denort\) for aarch64-apple-darwin is not available offline: set DENORT_BIN/,
  );
});

async function gitCommit(): Promise<string | undefined> {
  try {
    const out = await runArgv(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"]);
    return out.code === 0 ? out.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

Deno.test("bundle: one file that runs with the permission flags and shows the stamped commit", async () => {
  const dir = await Deno.makeTempDir();
  const before = await Deno.readTextFile(BUILD_INFO);
  try {
    const bundle = join(dir, "out dir", "tmux-orc.js");
    const build = await runScript("bundle.ts", ["--output", bundle], {
      env: { TMUX_ORC_COMMIT: "" },
    });
    assert.equal(build.code, 0, build.stderr);
    assert.equal(await Deno.readTextFile(BUILD_INFO), before, "working tree left as it was");
    const text = await Deno.readTextFile(bundle);
    assert.equal(
      text.split("\n")[0],
      `#!/usr/bin/env -S deno run --no-prompt ${PERMISSION_FLAGS.join(" ")}`,
    );
    assert.doesNotMatch(text, /from "(npm|jsr|https?):/, "everything is inlined");
    // The benchmark harness and the fake agents (scripts/) are development tools, not shipped.
    assert.doesNotMatch(text, /tmux-orc-bench-|class PaneFarm|function runSoak|fake_agent/);

    const version = await runArgv(
      [Deno.execPath(), "run", "--no-prompt", ...PERMISSION_FLAGS, bundle, "--version"],
      { cwd: dir },
    );
    assert.equal(version.code, 0, version.stderr);
    const commit = await gitCommit();
    assert.match(
      version.stdout,
      new RegExp(`^tmux-orc ${VERSION.replaceAll(".", "\\.")} \\(commit `),
    );
    assert.doesNotMatch(version.stdout, /commit dev/);
    if (commit) assert.ok(version.stdout.includes(`commit ${commit}`), version.stdout);

    const all = await runArgv([Deno.execPath(), "run", "-A", bundle, "completions", "bash"], {
      cwd: dir,
    });
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /complete -F _tmux_orc tmux-orc/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundle: the commit comes from TMUX_ORC_COMMIT when set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bundle = join(dir, "tmux-orc.js");
    const build = await runScript("bundle.ts", ["--output", bundle], {
      env: { TMUX_ORC_COMMIT: "feedc0ffee42" },
    });
    assert.equal(build.code, 0, build.stderr);
    const version = await runArgv([Deno.execPath(), "run", "-A", bundle, "--version"]);
    assert.match(version.stdout, /\(commit feedc0ffee42, deno /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: onPath("tmux")
    ? "bundle smoke: start --supervised, status, stop, status 3, nothing left"
    : "SKIPPED: bundle smoke (tmux is not installed)",
  ignore: !onPath("tmux"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const bundle = join(dir, "tmux-orc.js");
      const build = await runScript("bundle.ts", ["--output", bundle]);
      assert.equal(build.code, 0, build.stderr);
      const smoke = await runScript("smoke_bundle.ts", ["--bundle", bundle]);
      assert.equal(smoke.code, 0, smoke.stdout + smoke.stderr);
      assert.match(smoke.stdout, /^smoke: 6 passed, 0 failed$/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: onPath("tmux")
    ? "bundle smoke fails (exit 1, FAIL line) when the program does not start"
    : "SKIPPED: bundle smoke failure (tmux is not installed)",
  ignore: !onPath("tmux"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const bundle = join(dir, "broken.js");
      await Deno.writeTextFile(bundle, 'console.error("broken build");\nDeno.exit(1);\n');
      const smoke = await runScript("smoke_bundle.ts", ["--bundle", bundle]);
      assert.equal(smoke.code, 1, smoke.stdout + smoke.stderr);
      assert.match(smoke.stdout, /^smoke: FAIL monitor start --supervised: .*broken build/m);
      assert.match(smoke.stdout, /^smoke: FAIL \(/m);
      assert.match(smoke.stdout, /^smoke: 1 passed, 1 failed$/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

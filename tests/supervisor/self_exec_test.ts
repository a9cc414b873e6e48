/**
 * How the program re-runs itself: the compiled binary's path (Deno.build.standalone) and the
 * `deno run` path, without needing a compiled binary.
 */
import assert from "node:assert/strict";
import { selfCommand } from "../../src/lifecycle/self_exec.ts";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { runCli, tempStateDir } from "../helpers/mod.ts";

Deno.test("compiled: the binary re-executes itself with no deno arguments", () => {
  const argv = selfCommand({
    standalone: true,
    execPath: "/usr/local/bin/tmux-orc",
    mainModule: "file:///tmp/deno-compile-tmux-orc/main.ts",
    exists: () => true,
  });
  assert.deepEqual(argv, ["/usr/local/bin/tmux-orc"]);
});

Deno.test("deno run: deno with the same permission and V8 flags, the config beside main, and main", () => {
  const argv = selfCommand({
    standalone: false,
    execPath: "/opt/deno",
    mainModule: "file:///srv/tmux%20orc/main.ts",
    exists: (p) => p === "/srv/tmux orc/deno.json",
  });
  assert.deepEqual(argv, [
    "/opt/deno",
    "run",
    "--no-prompt",
    ...PERMISSION_FLAGS,
    "--v8-flags=--optimize-for-size,--no-memory-reducer",
    "--config",
    "/srv/tmux orc/deno.json",
    "/srv/tmux orc/main.ts",
  ]);
});

Deno.test("deno run of a bundle: no config flag when none sits beside it", () => {
  const argv = selfCommand({
    standalone: false,
    execPath: "/opt/deno",
    mainModule: "file:///opt/tmux-orc.js",
    exists: () => false,
  });
  assert.equal(argv.includes("--config"), false);
  assert.equal(argv.at(-1), "/opt/tmux-orc.js");
});

Deno.test("the permission flags are explicit: exactly these, no --allow-all, no ffi", () => {
  for (const flag of PERMISSION_FLAGS) {
    assert.doesNotMatch(flag, /^(-A|--allow-all|--allow-ffi)/);
  }
  // Network for the metrics endpoint and the channels' POSTs; every other flag as before.
  assert.deepEqual([...PERMISSION_FLAGS].sort(), [
    "--allow-env",
    "--allow-net",
    "--allow-read",
    "--allow-run",
    "--allow-sys",
    "--allow-write",
  ]);
});

Deno.test("the CLI runs with exactly the compiled permissions (a missing permission would fail here)", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    const socket = `tmux-orc-test-none-${crypto.randomUUID()}`;
    const r = await runCli([
      "monitor",
      "--once",
      "--json",
      "--state-dir",
      `${dir}/s`,
      "-L",
      socket,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tmux, false);
  } finally {
    await cleanup();
  }
});

/** `--metrics-listen` failures at start are one line and exit 1, for the monitor and the supervisor. */
import assert from "node:assert/strict";
import { privateSocketName, runCli, tempStateDir } from "../helpers/mod.ts";

Deno.test("--metrics-listen: a port in use or an address not on this host is one line, exit 1", async () => {
  const { dir, cleanup } = await tempStateDir();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const global = ["--state-dir", dir, "-L", privateSocketName()];
    const busy = await runCli([
      "monitor",
      "--once",
      "--metrics-listen",
      `127.0.0.1:${port}`,
      ...global,
    ]);
    assert.equal(busy.code, 1, busy.stderr);
    assert.equal(
      busy.stderr,
      `tmux-orc: Cannot serve metrics on 127.0.0.1:${port}: address in use\n`,
    );
    // 192.0.2.0/24 is TEST-NET-1: never an address of this host.
    const absent = await runCli(["supervise", "--metrics-listen", "192.0.2.1:9479", ...global]);
    assert.equal(absent.code, 1, absent.stderr);
    assert.match(
      absent.stderr,
      /^(.*\n)?tmux-orc: Cannot serve metrics on 192\.0\.2\.1:9479: no such address on this host\n$/,
    );
  } finally {
    taken.close();
    await cleanup();
  }
});

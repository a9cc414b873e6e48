/**
 * A full and then a read-only state dir under a live supervised monitor (a real tmpfs, mounted for
 * the test): `status` must say what is really wrong — the heartbeat file cannot be written, and
 * why — instead of "heartbeat is stale", the monitor must not be restarted, and all must be
 * healthy again once the disk is.
 */
import assert from "node:assert/strict";
import { readJson, runCli, waitFor } from "../helpers/mod.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";

async function run(argv: string[]): Promise<void> {
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "piped" }).output();
  if (!out.success) throw new Error(`${argv.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

/** Writes to `path` until the file system is full. */
async function fill(path: string): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(64 * 1024);
  let total = 0;
  try {
    while (true) total += await file.write(chunk);
  } catch (error) {
    assert.match(String(error), /No space left on device/);
  } finally {
    file.close();
  }
  return total;
}

Deno.test("full, then read-only state dir: status names the real cause, no restart, recovery", async () => {
  const box = await Sandbox.create();
  const dir = `${box.dir}/mnt`;
  await Deno.mkdir(dir, { mode: 0o700 });
  await run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", dir]);
  const global = ["--state-dir", dir, "-L", box.socket];
  const status = async () => {
    const r = await runCli(["monitor", "status", "--json", ...global]);
    return { code: r.code, json: JSON.parse(r.stdout) };
  };
  try {
    const start = await runCli(["monitor", "start", "--supervised", ...FAST, ...global]);
    const supervisor = (await readJson<{ pid: number }>(`${dir}/supervisor.pid`))?.pid;
    const monitor = (await readJson<{ pid: number }>(`${dir}/monitor.pid`))?.pid;
    box.track(supervisor);
    box.track(monitor);
    assert.equal(start.code, 0, start.stderr);

    const figures: string[] = [];
    for (
      const fault of [
        {
          name: "full",
          cause: "No space left on device",
          break: () => fill(`${dir}/filler`),
          heal: () => Deno.remove(`${dir}/filler`),
        },
        {
          name: "read-only",
          cause: "Read-only file system",
          // A read-only bind mount over it (a remount would be refused: files are open for
          // writing); lifting it is the fix.
          break: async () => {
            await run(["mount", "--bind", dir, dir]);
            await run(["mount", "-o", "remount,bind,ro", dir]);
          },
          heal: () => run(["umount", "-l", dir]),
        },
      ]
    ) {
      await waitFor(async () => (await status()).code === 0, { timeoutMs: 10000, what: "healthy" });
      const t0 = performance.now();
      await fault.break();
      const s = await waitFor(async () => {
        const s = await status();
        return s.json.problems.some((p: string) => p.includes(fault.cause)) ? s : undefined;
      }, { timeoutMs: 15000, everyMs: 200, what: `status to name '${fault.cause}'` });
      const detectedMs = performance.now() - t0;
      assert.equal(s.code, 1, "unhealthy");
      assert.ok(
        !s.json.problems.some((p: string) => /stale/.test(p)),
        `not called stale: ${s.json.problems}`,
      );
      assert.match(
        s.json.problems.join("\n"),
        new RegExp(`heartbeat file cannot be written: ${fault.cause}`),
      );
      assert.equal(s.json.monitor.running, true);
      assert.equal(s.json.monitor.pid, monitor, "the same monitor: no restart");
      const human = await runCli(["monitor", "status", ...global]);
      assert.match(human.stdout, new RegExp(`Problem: .*cannot be written: ${fault.cause}`));
      const t1 = performance.now();
      await fault.heal();
      const healthy = await waitFor(async () => {
        const s = await status();
        return s.code === 0 ? s : undefined;
      }, { timeoutMs: 10000, what: `recovery from ${fault.name}` });
      const recoveredMs = performance.now() - t1;
      assert.equal(healthy.json.monitor.pid, monitor);
      assert.equal(healthy.json.supervisor.restarts, 0, "never restarted");
      figures.push(
        `${fault.name}: named after ${(detectedMs / 1000).toFixed(1)} s, healthy ${
          (recoveredMs / 1000).toFixed(2)
        } s after the fix, 0 restarts`,
      );
    }
    for (const line of figures) console.log(`    ${line}`);
  } finally {
    await runCli(["monitor", "stop", ...global]);
    await box.cleanup();
    for (let i = 0; i < 3; i++) await run(["umount", "-l", dir]).catch(() => {});
    await Deno.remove(box.dir, { recursive: true }).catch(() => {});
  }
});

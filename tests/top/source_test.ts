/**
 * `top`'s source against the real store: no store yet, a store written by a real writer
 * connection, re-reads only after a commit (`PRAGMA data_version`), a replaced database file,
 * and the heartbeat and `supervisor.json`.
 */
import assert from "node:assert/strict";
import { openStore } from "../../src/store/store.ts";
import { statePaths } from "../../src/state/paths.ts";
import { writeHeartbeat } from "../../src/lifecycle/heartbeat.ts";
import { TopSource } from "../../src/top/source.ts";
import { DatabaseSync } from "node:sqlite";
import { tempStateDir } from "../helpers/mod.ts";

Deno.test("source: no store yet, then the writer's agents and events; re-read only on change", async () => {
  const { dir, cleanup } = await tempStateDir();
  const paths = statePaths(dir);
  const source = new TopSource(paths, { events: 3 });
  try {
    const none = await source.read();
    assert.match(none.storeProblem ?? "", /^No store yet: the monitor has not run/);
    assert.deepEqual(none.agents, []);
    assert.equal(none.beat, undefined);

    const writer = openStore(paths.database);
    try {
      const now = Date.now();
      writer.upsertAgents([
        { paneId: "%1", name: "alpha", state: "active", since: now },
        { paneId: "%2", name: "beta", state: "waiting", since: now },
      ]);
      for (let i = 0; i < 5; i++) {
        writer.recordTransition({
          agent: "alpha",
          paneId: "%1",
          from: "idle",
          to: "active",
          detail: `t${i}`,
        });
      }
      const first = await source.read();
      assert.equal(first.storeProblem, undefined);
      assert.deepEqual(first.agents.map((a) => [a.name, a.state]), [["alpha", "active"], [
        "beta",
        "waiting",
      ]]);
      assert.deepEqual(
        first.events.map((e) => e.detail),
        ["t2", "t3", "t4"],
        "the latest, oldest first",
      );
      const reads = source.reads;
      await source.read();
      await source.read();
      assert.equal(source.reads, reads, "nothing committed: the tables are not read again");

      writer.upsertAgents([{ paneId: "%2", name: "beta", state: "idle", since: now }], {
        markOthersGone: true,
      });
      const after = await source.read();
      assert.equal(source.reads, reads + 1);
      assert.deepEqual(
        after.agents.map((a) => [a.name, a.state]),
        [["beta", "idle"]],
        "gone hidden",
      );
    } finally {
      writer.close();
    }

    const all = new TopSource(paths, { all: true });
    try {
      assert.deepEqual((await all.read()).agents.map((a) => [a.name, a.seen]), [["alpha", false], [
        "beta",
        true,
      ]]);
    } finally {
      all.close();
    }

    // The database replaced (a corrupt one moved aside, a fresh one created): reopened.
    await Deno.rename(paths.database, `${paths.database}.old`);
    for (const side of ["-wal", "-shm"]) {
      await Deno.rename(`${paths.database}${side}`, `${paths.database}.old${side}`).catch(() => {});
    }
    const fresh = openStore(paths.database);
    try {
      fresh.upsertAgents([{ paneId: "%9", name: "gamma", state: "error", since: Date.now() }]);
      assert.deepEqual((await source.read()).agents.map((a) => a.name), ["gamma"]);
    } finally {
      fresh.close();
    }

    const at = Date.now();
    await writeHeartbeat(paths.heartbeat, {
      pid: 1234,
      cycle: 9,
      cycleMs: 2,
      panes: 1,
      agents: 1,
      states: {},
      tmux: true,
      intervalS: 1,
      at,
      time: new Date(at).toISOString(),
      startedAt: at,
    });
    await Deno.writeTextFile(paths.supervisorState, JSON.stringify({ pid: 5, state: "running" }));
    const beat = await source.read();
    assert.equal(beat.beat?.cycle, 9);
    assert.equal(beat.supervisor?.state, "running");
  } finally {
    source.close();
    await cleanup();
  }
});

Deno.test("source: an unreadable store is a problem line, never a throw", async () => {
  const { dir, cleanup } = await tempStateDir();
  const paths = statePaths(dir);
  const source = new TopSource(paths);
  try {
    await Deno.writeTextFile(
      paths.database,
      "this is not a database, just text long enough".repeat(100),
    );
    const snap = await source.read();
    assert.match(snap.storeProblem ?? "", /^Cannot read the store: Cannot open database: /);
    assert.deepEqual(snap.agents, []);
  } finally {
    source.close();
    await cleanup();
  }
});

Deno.test("source: between polls the reader holds no snapshot, so the WAL checkpoints fully", async () => {
  const { dir, cleanup } = await tempStateDir();
  const paths = statePaths(dir);
  const writer = openStore(paths.database);
  const source = new TopSource(paths);
  const checkpointer = new DatabaseSync(paths.database);
  try {
    for (let i = 0; i < 3; i++) {
      writer.upsertAgents(
        Array.from({ length: 200 }, (_, n) => ({
          paneId: `%${n}`,
          name: `a${n}`,
          state: "active" as const,
          since: Date.now(),
          detail: `cycle ${i}`,
        })),
      );
      writer.recordTransition({ agent: "a1", paneId: "%1", from: "idle", to: "active" });
      const snap = await source.read();
      assert.equal(snap.agents.length, 200);
      assert.equal(snap.agents[0].detail, `cycle ${i}`);
      const [result] = checkpointer.prepare("PRAGMA wal_checkpoint(TRUNCATE)").all() as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      assert.equal(result.busy, 0, "no reader blocks the checkpoint");
      assert.equal((await Deno.stat(`${paths.database}-wal`)).size, 0, "the WAL was truncated");
    }
  } finally {
    checkpointer.close();
    source.close();
    writer.close();
    await cleanup();
  }
});

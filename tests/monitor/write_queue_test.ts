import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { getLogger } from "@logtape/logtape";
import { openStore, type Store } from "../../src/store/store.ts";
import { type StoreOp, WriteQueue } from "../../src/monitor/write_queue.ts";

const logger = getLogger(["tmux-orc-test", "write-queue"]);

function transition(agent: string): StoreOp {
  return (store: Store) =>
    store.recordTransition({ agent, paneId: "%1", from: "unknown", to: "idle" });
}

async function withDb(fn: (path: string) => void | Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/t.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("WriteQueue: a held write lock queues history in order; written once it is released", () =>
  withDb((path) => {
    const queue = new WriteQueue(openStore(path), { logger, busyTimeoutMs: 10 });
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) assert.equal(queue.commit([transition(`a${i}`)]), false);
    assert.ok(performance.now() - t0 < 1000, "each commit gives up quickly");
    assert.equal(queue.queued, 5);
    holder.exec("ROLLBACK");
    holder.close();
    assert.equal(queue.commit([transition("a5")]), true);
    assert.equal(queue.queued, 0);
    assert.equal(queue.lost, 0);
    const agents = queue.use((s) => s.listEvents({ kinds: ["transition"] }).map((e) => e.agent));
    assert.deepEqual(agents, ["a0", "a1", "a2", "a3", "a4", "a5"]);
    queue.close();
  }));

Deno.test("WriteQueue: past the bound the oldest rows are dropped, counted and reported", () =>
  withDb((path) => {
    const queue = new WriteQueue(openStore(path), { logger, busyTimeoutMs: 0, maxQueued: 3 });
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < 5; i++) queue.commit([transition(`b${i}`)]);
    assert.equal(queue.queued, 3);
    assert.equal(queue.lost, 2);
    holder.exec("ROLLBACK");
    holder.close();
    assert.equal(queue.commit([]), true);
    const events = queue.use((s) => s.listEvents({}))!;
    assert.deepEqual(
      events.filter((e) => e.kind === "transition").map((e) => e.agent),
      ["b2", "b3", "b4"],
    );
    const note = events.find((e) => e.kind === "monitor");
    assert.match(
      note?.detail ?? "",
      /^2 history rows were lost while the store could not be written/,
    );
    assert.equal(queue.lost, 2, "the count stays (status shows it)");
    queue.close();
  }));

Deno.test("WriteQueue: a write that fails for good is dropped and counted, not retried forever", () =>
  withDb((path) => {
    const queue = new WriteQueue(openStore(path), { logger });
    const bad: StoreOp = () => {
      throw new Error("CHECK constraint failed: kind");
    };
    assert.equal(queue.commit([bad, transition("c0")]), false);
    assert.equal(queue.queued, 0);
    assert.equal(queue.lost, 2);
    assert.equal(queue.commit([transition("c1")]), true);
    queue.close();
  }));

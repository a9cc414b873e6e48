import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  type AgentUpsert,
  openStore,
  type StoreError,
  type StoreNotice,
} from "../../src/store/store.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/schema.ts";
import { AGENT_STATES } from "../../src/agents/types.ts";
import { ManualClock } from "../../src/util/clock.ts";
import {
  deleteMeta,
  listNotifyMarks,
  markAgentsGone,
  setLastNotified,
  stateCounts,
} from "./helpers.ts";

async function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-store-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function storeErrorCode(error: unknown): string | undefined {
  return (error as StoreError).code;
}

function agent(i: number, overrides: Partial<AgentUpsert> = {}): AgentUpsert {
  return {
    paneId: `%${i}`,
    name: `agent-${i}`,
    target: `work:${i}.0`,
    profile: "claude",
    role: "agent",
    pmPane: "%0",
    state: AGENT_STATES[i % AGENT_STATES.length],
    since: 1_000 + i,
    detail: `detail ${i}`,
    ...overrides,
  };
}

Deno.test("writer creates a 0600 database in WAL mode at the latest schema", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "sub", "orc.db");
    const notices: StoreNotice[] = [];
    const store = openStore(path, { onEvent: (n) => notices.push(n) });
    try {
      assert.equal(store.journalMode, "wal");
      assert.equal(store.schemaVersion, SCHEMA_VERSION);
      assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
      assert.deepEqual(notices.map((n) => n.type), ["created"]);
      store.recordEvent({ kind: "monitor", detail: "started" });
      assert.ok(Deno.statSync(`${path}-wal`).isFile, "a -wal file exists after a write");
      assert.equal(Deno.statSync(`${path}-wal`).mode! & 0o777, 0o600);
    } finally {
      store.close();
    }
  });
});

Deno.test("writer tightens an existing database file to 0600", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    openStore(path).close();
    Deno.chmodSync(path, 0o644);
    openStore(path).close();
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  });
});

Deno.test("a reader opened while the writer is inside a transaction does not block", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    const writer = openStore(path, { busyTimeoutMs: 200 });
    try {
      writer.recordEvent({ kind: "monitor", detail: "committed" });
      writer.transaction(() => {
        writer.recordEvent({ kind: "monitor", detail: "uncommitted" });
        const started = performance.now();
        const reader = openStore(path, { readonly: true, busyTimeoutMs: 200 });
        try {
          const details = reader.listEvents().map((e) => e.detail);
          const elapsed = performance.now() - started;
          assert.deepEqual(details, ["committed"], "the reader sees only committed rows");
          assert.ok(elapsed < 150, `reader took ${elapsed.toFixed(1)} ms`);
        } finally {
          reader.close();
        }
      });
      const reader = openStore(path, { readonly: true });
      try {
        assert.deepEqual(reader.listEvents().map((e) => e.detail), ["committed", "uncommitted"]);
      } finally {
        reader.close();
      }
    } finally {
      writer.close();
    }
  });
});

Deno.test("a reader holding a read transaction does not block the writer", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    const writer = openStore(path, { busyTimeoutMs: 100 });
    const reader = new DatabaseSync(path, { readOnly: true });
    try {
      writer.recordEvent({ kind: "monitor", detail: "one" });
      reader.exec("BEGIN");
      assert.equal(
        (reader.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n,
        1,
      );
      const started = performance.now();
      writer.upsertAgents([agent(1)]);
      writer.recordEvent({ kind: "monitor", detail: "two" });
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 90, `writer took ${elapsed.toFixed(1)} ms`);
      // The reader's snapshot is unchanged until it ends its transaction.
      assert.equal(
        (reader.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n,
        1,
      );
      reader.exec("COMMIT");
      assert.equal(
        (reader.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n,
        2,
      );
    } finally {
      reader.close();
      writer.close();
    }
  });
});

Deno.test("reader: missing file, read-only writes, and no file created", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    assert.throws(() => openStore(path, { readonly: true }), (e) => {
      assert.equal(storeErrorCode(e), "missing");
      assert.match((e as Error).message, /^Cannot open database: /);
      return true;
    });
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
    openStore(path).close();
    const reader = openStore(path, { readonly: true });
    try {
      assert.equal(reader.readonly, true);
      assert.throws(
        () => reader.recordEvent({ kind: "monitor" }),
        (e) => storeErrorCode(e) === "read_only",
      );
      assert.throws(
        () => reader.setMeta("k", "v"),
        (e) => storeErrorCode(e) === "read_only",
      );
    } finally {
      reader.close();
    }
  });
});

Deno.test("migrating a v1 database to the latest version keeps its data", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    const raw = new DatabaseSync(path);
    raw.exec(MIGRATIONS[0].sql);
    raw.exec("PRAGMA user_version = 1");
    raw.exec(`
      INSERT INTO events (ts, kind, agent, pane_id, from_state, to_state, detail, extra)
        VALUES (1000, 'transition', 'backend', '%3', 'active', 'idle', 'quiet', '{"n":1}');
      INSERT INTO agents (pane_id, name, state, since, last_notified, updated_at, seen, last_seen)
        VALUES ('%3', 'backend', 'idle', 1000, 900, 1000, 1, 1000);
      INSERT INTO notify_marks VALUES ('backend', 'idle', 900);
      INSERT INTO meta VALUES ('resume', '{"a":1}');
    `);
    raw.close();

    const notices: StoreNotice[] = [];
    const store = openStore(path, { onEvent: (n) => notices.push(n) });
    try {
      assert.equal(store.schemaVersion, SCHEMA_VERSION);
      assert.ok(SCHEMA_VERSION > 1, "there is something to migrate");
      assert.deepEqual(
        notices.map((n) => [n.type, n.fromVersion, n.toVersion]),
        [["migrated", 1, SCHEMA_VERSION]],
      );
      const [event] = store.listEvents();
      assert.equal(event.agent, "backend");
      assert.equal(event.toState, "idle");
      assert.deepEqual(event.extra, { n: 1 });
      const [row] = store.listAgents();
      assert.equal(row.name, "backend");
      assert.equal(row.lastNotified, 900);
      assert.equal(row.detail, "");
      assert.equal(store.lastNotified("backend", "idle"), 900);
      assert.equal(store.getMeta("resume"), '{"a":1}');
      // The new columns work.
      store.upsertAgents([{ ...agent(3), resetAt: 5000 }]);
      assert.equal(store.listAgents()[0].resetAt, 5000);
    } finally {
      store.close();
    }
  });
});

Deno.test("pending migrations are one transaction: a failing last step leaves the old version", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    const raw = new DatabaseSync(path);
    raw.exec(MIGRATIONS[0].sql);
    raw.exec("PRAGMA user_version = 1");
    // The last step creates this table: with it already there, that step fails.
    const last = MIGRATIONS.at(-1)!;
    const table = /CREATE TABLE (\w+)/.exec(last.sql)?.[1];
    assert.ok(table && MIGRATIONS.length >= 3, "a later step creates a table");
    raw.exec(`CREATE TABLE ${table} (x)`);
    raw.close();
    assert.throws(
      () => openStore(path),
      (e: unknown) =>
        (e as StoreError).code === "migration_failed" &&
        (e as Error).message.includes(`step ${last.version}`),
    );
    const check = new DatabaseSync(path);
    try {
      // Not 2: the steps before the failing one were rolled back with it, so no reader ever
      // sees a schema between two versions.
      const row = check.prepare("PRAGMA user_version").get() as { user_version: number };
      assert.equal(row.user_version, 1);
    } finally {
      check.close();
    }
  });
});

Deno.test("a database newer than the code is refused and left alone", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "orc.db");
    openStore(path).close();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}; PRAGMA journal_mode = DELETE`);
    raw.close();
    const before = await Deno.readFile(path);
    for (const readonly of [false, true]) {
      assert.throws(() => openStore(path, { readonly }), (e) => {
        assert.equal(storeErrorCode(e), "too_new");
        assert.match((e as Error).message, /newer than this tmux-orc supports/);
        return true;
      });
    }
    assert.deepEqual(
      [...Deno.readDirSync(dir)].filter((e) => e.name.includes("corrupt")),
      [],
    );
    assert.deepEqual(await Deno.readFile(path), before, "not modified (still not WAL)");
  });
});

async function assertMovedAside(dir: string, path: string, original: Uint8Array) {
  const notices: StoreNotice[] = [];
  const clock = new ManualClock({ wall: Date.UTC(2026, 2, 4, 5, 6, 7, 8) });
  const store = openStore(path, { onEvent: (n) => notices.push(n), clock });
  try {
    assert.equal(notices.length, 1);
    const notice = notices[0];
    assert.equal(notice.type, "corrupt_moved_aside");
    assert.equal(notice.movedTo, `${path}.corrupt-2026-03-04T05-06-07-008Z`);
    assert.match(notice.message, /^Database was corrupt \(.+\): moved it aside to /);
    assert.deepEqual(await Deno.readFile(notice.movedTo!), original, "original bytes kept");
    // The fresh database works and logs what happened.
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    const [event] = store.listEvents({ kinds: ["monitor"] });
    assert.match(event.detail, /moved it aside/);
    assert.deepEqual(event.extra, { movedTo: notice.movedTo });
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.ok(names.includes("orc.db"));
    return notice.movedTo!;
  } finally {
    store.close();
  }
}

Deno.test("a garbage file is moved aside with its -wal/-shm and a fresh database created", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "orc.db");
    const garbage = crypto.getRandomValues(new Uint8Array(8192));
    await Deno.writeFile(path, garbage);
    await Deno.writeTextFile(`${path}-wal`, "not a wal");
    await Deno.writeTextFile(`${path}-shm`, "not a shm");
    const movedTo = await assertMovedAside(dir, path, garbage);
    assert.equal(await Deno.readTextFile(`${movedTo}-wal`), "not a wal");
    assert.equal(await Deno.readTextFile(`${movedTo}-shm`), "not a shm");
  });
});

Deno.test("a text file that is not a database is moved aside; a reader reports it", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "orc.db");
    const text = new TextEncoder().encode("hello, I am not a database\n".repeat(200));
    await Deno.writeFile(path, text);
    assert.throws(() => openStore(path, { readonly: true }), (e) => {
      assert.equal(storeErrorCode(e), "corrupt");
      return true;
    });
    assert.deepEqual(await Deno.readFile(path), text, "the reader moves nothing");
    await assertMovedAside(dir, path, text);
  });
});

Deno.test("truncated databases are moved aside", async () => {
  for (const fraction of [0.5, 0.01]) {
    await withTempDir(async (dir) => {
      const path = join(dir, "orc.db");
      const store = openStore(path);
      store.transaction(() => {
        for (let i = 0; i < 3000; i++) {
          store.recordEvent({ kind: "monitor", detail: `event ${i} ${"x".repeat(100)}` });
        }
      });
      store.close(); // checkpoints the WAL into the main file
      const full = await Deno.readFile(path);
      assert.ok(full.length > 100_000, `database is ${full.length} bytes`);
      const truncated = full.slice(0, Math.floor(full.length * fraction));
      await Deno.writeFile(path, truncated);
      await assertMovedAside(dir, path, truncated);
    });
  }
});

Deno.test("a second corrupt file in the same millisecond gets its own name", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "orc.db");
    const clock = new ManualClock({ wall: Date.UTC(2026, 0, 1) });
    const moved: string[] = [];
    for (const content of ["first garbage", "second garbage"]) {
      await Deno.writeTextFile(path, content.repeat(100));
      for (const s of ["-wal", "-shm"]) await Deno.remove(path + s).catch(() => {});
      openStore(path, { clock, onEvent: (n) => n.movedTo && moved.push(n.movedTo) }).close();
    }
    assert.equal(moved.length, 2);
    assert.notEqual(moved[0], moved[1]);
    assert.equal(await Deno.readTextFile(moved[0]), "first garbage".repeat(100));
    assert.equal(await Deno.readTextFile(moved[1]), "second garbage".repeat(100));
  });
});

Deno.test("cooldown marks and meta survive close and reopen", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    const first = openStore(path);
    setLastNotified(first, { agentKey: "backend", state: "idle", atMs: 1234 });
    first.setLastNotifiedMany([
      { agentKey: "backend", state: "waiting", atMs: 2000 },
      { agentKey: "tests", state: "idle", atMs: 3000 },
    ]);
    setLastNotified(first, { agentKey: "tests", state: "idle", atMs: 3500 });
    first.setMeta("policy_state", '{"held":[]}');
    first.close();

    const second = openStore(path);
    try {
      assert.equal(second.lastNotified("backend", "idle"), 1234);
      assert.equal(second.lastNotified("backend", "waiting"), 2000);
      assert.equal(second.lastNotified("tests", "idle"), 3500);
      assert.equal(second.lastNotified("tests", "crashed"), undefined);
      assert.equal(listNotifyMarks(path).length, 3);
      assert.equal(second.getMeta("policy_state"), '{"held":[]}');
      deleteMeta(path, "policy_state");
      assert.equal(second.getMeta("policy_state"), undefined);
    } finally {
      second.close();
    }
  });
});

Deno.test("upsertAgents writes 1000 agents in one quick transaction", async () => {
  await withTempDir((dir) => {
    const store = openStore(join(dir, "orc.db"));
    try {
      const agents = Array.from({ length: 1000 }, (_, i) => agent(i));
      store.upsertAgents(agents, { nowMs: 10_000 }); // insert (and warm up statements)
      const timings: number[] = [];
      for (let cycle = 1; cycle <= 5; cycle++) {
        const changed = agents.map((a, i) => i % 10 === 0 ? { ...a, state: "idle" as const } : a);
        const started = performance.now();
        const result = store.upsertAgents(changed, {
          nowMs: 10_000 + cycle,
          markOthersGone: true,
        });
        timings.push(performance.now() - started);
        assert.equal(result.upserted, 1000);
        assert.deepEqual(result.gone, []);
      }
      const median = timings.sort((a, b) => a - b)[2];
      console.log(`upsertAgents(1000): median ${median.toFixed(2)} ms`);
      assert.ok(median < 100, `median ${median.toFixed(2)} ms`);
      const rows = store.listAgents();
      assert.equal(rows.length, 1000);
      const row = rows.find((r) => r.paneId === "%17")!;
      assert.deepEqual(
        { ...row },
        {
          ...agent(17),
          detail: "detail 17",
          seen: true,
          lastSeen: 10_005,
          updatedAt: 10_000,
        },
      );
      assert.equal(rows.find((r) => r.paneId === "%10")!.state, "idle");
      assert.equal(rows.find((r) => r.paneId === "%10")!.updatedAt, 10_001);
    } finally {
      store.close();
    }
  });
});

Deno.test("agents: gone marking, listing and state counts", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "orc.db");
    const store = openStore(path);
    try {
      store.upsertAgents([
        agent(1, { state: "idle" }),
        agent(2, { state: "idle" }),
        agent(3, { state: "crashed" }),
      ], { nowMs: 100 });
      const result = store.upsertAgents([agent(1, { state: "idle" })], {
        nowMs: 200,
        markOthersGone: true,
      });
      assert.deepEqual(result.gone.sort(), ["%2", "%3"]);
      assert.deepEqual(store.listAgents().map((a) => a.paneId), ["%1"]);
      const all = store.listAgents({ includeGone: true });
      assert.equal(all.length, 3);
      const gone = all.find((a) => a.paneId === "%2")!;
      assert.equal(gone.seen, false);
      assert.equal(gone.lastSeen, 100);
      assert.equal(gone.updatedAt, 200);
      const counts = stateCounts(store);
      assert.equal(counts.idle, 1);
      assert.equal(counts.crashed, 0);
      assert.deepEqual(Object.keys(counts).sort(), [...AGENT_STATES].sort());

      assert.deepEqual(markAgentsGone(path, ["%1", "%9"], 300), ["%1"]);
      assert.deepEqual(markAgentsGone(path, ["%1"], 301), []);
      assert.equal(stateCounts(store).idle, 0);
      // Coming back flips seen again.
      store.upsertAgents([agent(2, { state: "idle" })], { nowMs: 400 });
      assert.deepEqual(store.listAgents().map((a) => a.paneId), ["%2"]);
      assert.equal(store.pruneAgents(301), 2);
      assert.equal(store.listAgents({ includeGone: true }).length, 1);
    } finally {
      store.close();
    }
  });
});

Deno.test("events: record, filter, limit, follow and prune", async () => {
  await withTempDir((dir) => {
    const store = openStore(join(dir, "orc.db"));
    try {
      store.upsertAgents([agent(3, { name: "backend" })], { nowMs: 1 });
      store.recordTransition({
        ts: 1000,
        agent: "backend",
        paneId: "%3",
        from: "active",
        to: "idle",
        detail: "quiet for 30s",
      });
      store.recordTransition({
        ts: 2000,
        agent: "tests",
        paneId: "%7",
        from: "idle",
        to: "waiting",
      });
      const n = store.recordNotification({
        ts: 3000,
        agent: "backend",
        paneId: "%3",
        state: "idle",
        delivery: "delivered",
        detail: "[tmux-orc] backend (%3) is idle",
        extra: { pm: "%1" },
      });
      store.recordNotification({ ts: 3500, agent: "tests", paneId: "%7", delivery: "held" });
      store.recordEvent({ ts: 4000, kind: "restart", agent: "tests", paneId: "%7" });

      assert.deepEqual(store.listEvents().map((e) => e.ts), [1000, 2000, 3000, 3500, 4000]);
      assert.deepEqual(store.listEvents({ sinceMs: 2000, untilMs: 4000 }).map((e) => e.ts), [
        2000,
        3000,
        3500,
      ]);
      assert.deepEqual(store.listEvents({ agent: "backend" }).map((e) => e.ts), [1000, 3000]);
      assert.deepEqual(store.listEvents({ agent: "%7" }).map((e) => e.ts), [2000, 3500, 4000]);
      assert.deepEqual(store.listEvents({ kinds: ["notification"] }).map((e) => e.delivery), [
        "delivered",
        "held",
      ]);
      assert.deepEqual(store.listEvents({ limit: 2 }).map((e) => e.ts), [3500, 4000]);
      assert.deepEqual(store.listEvents({ afterId: n }).map((e) => e.ts), [3500, 4000]);
      const first = store.listEvents({ limit: 1, agent: "backend", kinds: ["transition"] })[0];
      assert.deepEqual(first, {
        id: first.id,
        ts: 1000,
        kind: "transition",
        agent: "backend",
        paneId: "%3",
        fromState: "active",
        toState: "idle",
        detail: "quiet for 30s",
      });
      assert.deepEqual(store.listEvents({ afterId: n - 1, limit: 1 })[0].extra, undefined);
      assert.deepEqual(store.listEvents({ kinds: ["notification"] })[0].extra, { pm: "%1" });
      assert.equal(store.listAgents()[0].lastNotified, 3000, "delivered sets lastNotified");
      assert.equal(store.pruneEvents(3000), 2);
      assert.equal(store.listEvents().length, 3);
    } finally {
      store.close();
    }
  });
});

Deno.test("transaction rolls back on error, nested ones use savepoints", async () => {
  await withTempDir((dir) => {
    const store = openStore(join(dir, "orc.db"));
    try {
      assert.throws(() =>
        store.transaction(() => {
          store.recordEvent({ kind: "monitor", detail: "lost" });
          throw new Error("boom");
        }), /boom/);
      store.transaction(() => {
        store.recordEvent({ kind: "monitor", detail: "kept" });
        assert.throws(() =>
          store.transaction(() => {
            store.recordEvent({ kind: "monitor", detail: "inner lost" });
            throw new Error("inner");
          }), /inner/);
        store.recordEvent({ kind: "monitor", detail: "kept too" });
      });
      assert.deepEqual(store.listEvents().map((e) => e.detail), ["kept", "kept too"]);
    } finally {
      store.close();
    }
  });
});

Deno.test("a closed store refuses use, and close is idempotent", async () => {
  await withTempDir((dir) => {
    const store = openStore(join(dir, "orc.db"));
    store.close();
    store.close();
    assert.throws(() => store.listAgents(), (e) => storeErrorCode(e) === "closed");
  });
});

Deno.test("default time stamps come from the clock option", async () => {
  await withTempDir((dir) => {
    const clock = new ManualClock({ wall: 42_000 });
    const store = openStore(join(dir, "orc.db"), { clock });
    try {
      store.recordEvent({ kind: "action", detail: "send-keys" });
      clock.advance(1000);
      store.upsertAgents([agent(1)]);
      assert.equal(store.listEvents()[0].ts, 42_000);
      assert.equal(store.listAgents()[0].lastSeen, 43_000);
    } finally {
      store.close();
    }
  });
});

Deno.test("a sound database with a hot WAL (writer crashed) is kept, not moved aside", async () => {
  await withTempDir(async (dir) => {
    const live = join(dir, "live.db");
    const copy = join(dir, "copy.db");
    const writer = openStore(live);
    try {
      writer.recordEvent({ kind: "monitor", detail: "only in the WAL" });
      // Copy the files while the writer is still open: what a crash would leave behind.
      await Deno.copyFile(live, copy);
      await Deno.copyFile(`${live}-wal`, `${copy}-wal`);
    } finally {
      writer.close();
    }
    const notices: StoreNotice[] = [];
    const store = openStore(copy, { onEvent: (n) => notices.push(n) });
    try {
      assert.deepEqual(notices, []);
      assert.deepEqual(store.listEvents().map((e) => e.detail), ["only in the WAL"]);
    } finally {
      store.close();
    }
  });
});

Deno.test("a locked database is reported, never moved aside", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "orc.db");
    const raw = new DatabaseSync(path); // rollback-journal mode: an exclusive lock blocks readers
    raw.exec("CREATE TABLE t (a); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);");
    try {
      const before = await Deno.readFile(path);
      for (const readonly of [false, true]) {
        const started = performance.now();
        assert.throws(() => openStore(path, { readonly, busyTimeoutMs: 50 }), (e) => {
          assert.equal(storeErrorCode(e), "open_failed");
          assert.match((e as Error).message, /^Cannot open database: database is locked/);
          return true;
        });
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 1000, `busyTimeoutMs honoured (readonly ${readonly}): ${elapsed} ms`);
      }
      assert.deepEqual(await Deno.readFile(path), before);
      assert.deepEqual([...Deno.readDirSync(dir)].filter((e) => e.name.includes("corrupt")), []);
    } finally {
      raw.exec("ROLLBACK");
      raw.close();
    }
  });
});

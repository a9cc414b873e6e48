/**
 * The monitor's SQLite store (`node:sqlite`): the event log, each agent pane's current state, the
 * notification cooldown marks (which must survive monitor restarts) and small key/value metadata.
 *
 * One writer (the monitor) opens the database read-write; CLI commands (`agents`, `events`,
 * `status`) open it with `readonly: true`. The database runs in WAL mode, so readers never block the
 * writer and the writer never blocks readers.
 *
 * A corrupt database is never deleted: the writer moves it aside to `<name>.corrupt-<timestamp>`
 * (with its `-wal`/`-shm`), reports that through `onEvent`, and starts a fresh one.
 *
 * @example
 * ```ts
 * const store = openStore("/tmp/tmux-orc.db", { onEvent: (e) => console.error(e.message) });
 * store.recordTransition({ agent: "backend", paneId: "%3", from: "active", to: "idle" });
 * store.close();
 * ```
 *
 * @module
 */

export * from "./types.ts";
export { Store } from "./database.ts";
export { openStore } from "./open.ts";

/**
 * What `top` shows, read without disturbing the monitor: the store through one read-only
 * connection (WAL: the reader never blocks the writer and holds no lock between polls), re-read
 * only when `PRAGMA data_version` says another connection committed; the heartbeat file and
 * `supervisor.json` as plain reads. A store that appears later, or is replaced (a corrupt one
 * moved aside), is (re)opened on the next poll.
 *
 * @module
 */

import { readHeartbeat } from "../lifecycle/heartbeat.ts";
import { readSupervisorSnapshot } from "../lifecycle/supervisor_process.ts";
import type { StatePaths } from "../state/paths.ts";
import { errorMessage } from "../state/errors.ts";
import { type FileIdentity, identityOf, sameFile } from "../store/file_guard.ts";
import {
  type AgentRecord,
  type EventRecord,
  openStore,
  type Store,
  StoreError,
} from "../store/store.ts";
import type { FrameInput } from "./layout.ts";

/** One poll's data. */
export type Snapshot = Pick<
  FrameInput,
  "agents" | "events" | "beat" | "supervisor" | "storeProblem"
>;

/** Options for {@linkcode TopSource}. */
export interface TopSourceOptions {
  /** Include agents no longer present. @default false */
  all?: boolean;
  /** How many of the latest events to read. @default 50 */
  events?: number;
}

/** Reads the store, the heartbeat and `supervisor.json` for `top`. */
export class TopSource {
  readonly #paths: StatePaths;
  readonly #all: boolean;
  readonly #events: number;
  #store?: Store;
  #identity?: FileIdentity;
  #version = -1;
  #agents: AgentRecord[] = [];
  #recent: EventRecord[] = [];
  /** Store reads done (the data changed), for tests and the bench. */
  reads = 0;

  /** A source for the state dir `paths`. */
  constructor(paths: StatePaths, options: TopSourceOptions = {}) {
    this.#paths = paths;
    this.#all = options.all ?? false;
    this.#events = options.events ?? 50;
  }

  /** One poll. Never throws: a problem with the store is reported in `storeProblem`. */
  async read(): Promise<Snapshot> {
    const [beat, supervisor] = await Promise.all([
      readHeartbeat(this.#paths.heartbeat),
      readSupervisorSnapshot(this.#paths),
    ]);
    const storeProblem = this.#readStore();
    return { agents: this.#agents, events: this.#recent, beat, supervisor, storeProblem };
  }

  #readStore(): string | undefined {
    try {
      const store = this.#open();
      if (!store) {
        this.#agents = [];
        this.#recent = [];
        return `No store yet: the monitor has not run with state dir ${this.#paths.dir}`;
      }
      const version = store.dataVersion();
      if (version !== this.#version) {
        this.#agents = store.listAgents({ includeGone: this.#all });
        this.#recent = store.listEvents({ limit: this.#events });
        this.#version = version;
        this.reads++;
      }
      return undefined;
    } catch (error) {
      this.close();
      return `Cannot read the store: ${errorMessage(error)}`;
    }
  }

  /** The open store; reopened when the file was replaced; `undefined` while there is none. */
  #open(): Store | undefined {
    const identity = identityOf(this.#paths.database);
    if (this.#store && !sameFile(identity, this.#identity)) this.close();
    if (this.#store) return this.#store;
    if (!identity) return undefined;
    try {
      this.#store = openStore(this.#paths.database, { readonly: true, busyTimeoutMs: 250 });
    } catch (error) {
      if (error instanceof StoreError && error.code === "missing") return undefined;
      throw error;
    }
    this.#identity = identity;
    this.#version = -1;
    return this.#store;
  }

  /** Closes the store connection. */
  close(): void {
    this.#store?.close();
    this.#store = undefined;
    this.#identity = undefined;
  }
}

/**
 * Where state detection runs. Detection matches the profiles' regular expressions against pane
 * output; a pattern from `profiles.json` that backtracks catastrophically would block the
 * monitor's only thread — no cycle, no heartbeat, no reaction to SIGTERM — for as long as it
 * runs (one cycle took 465 s).
 *
 * - {@linkcode InlineDetector}: in the calling thread, no deadline (tests, benchmarks).
 * - {@linkcode ProcessDetector}: in a child process (`tmux-orc monitor --detect-child`), one
 *   pane at a time, under a per-cycle budget (default {@linkcode DEFAULT_DETECT_BUDGET_MS}). A
 *   pane still being classified when the budget runs out has the child killed (SIGKILL); it and
 *   the panes after it get a fallback observation this cycle (detail "detection timed out"), the
 *   culprit is logged once per pane and profile, and a fresh child is started at once for the
 *   next cycle. Panes that timed out before go last, so one slow pane cannot starve the others.
 *   {@linkcode Detector.interrupt} (called on SIGTERM) ends a running cycle's detection at once.
 *
 * The child's own memory grows with the jobs it has done (its malloc heap, outside V8's: measured
 * +10–15 MB per 100,000 detections after its first ~30,000, on Deno 2.9; the cause is not
 * found), so it reports its RSS now and then, and once it is past
 * {@linkcode DEFAULT_CHILD_RECYCLE_MB} the detector replaces it between two cycles: the old child
 * finishes at EOF, a fresh one is started for the next cycle (docs/performance.md#memory).
 *
 * Why a process and not a `Worker`: Deno 2.9's `Worker.terminate()` does not stop a worker that
 * is busy in a regular expression (or any loop): the thread keeps burning a core after it
 * (measured: 0.5–0.6 s of CPU per second, for as long as the pattern runs). A killed process
 * stops. Profiles cross the pipe as JSON, patterns as `{ source, flags }`.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { createHash } from "node:crypto";
import { type DetectInput, type DetectOptions, detectState } from "../agents/detect.ts";
import type { AgentProfile } from "../agents/profiles.ts";
import type { Observation } from "../agents/types.ts";
import { decodedText } from "../util/text_stream.ts";

/** Default per-cycle time for all detection in a {@linkcode ProcessDetector} (ms). */
export const DEFAULT_DETECT_BUDGET_MS = 2000;

/** A child past this RSS (MB) is replaced between two cycles (see the module documentation). */
export const DEFAULT_CHILD_RECYCLE_MB = 90;

/** The child reports its RSS with its first answer and then every this many. */
export const RSS_REPORT_EVERY = 1000;

/** A child is replaced for its size only after this many jobs (no restart loop when it starts big). */
export const DEFAULT_CHILD_RECYCLE_MIN_JOBS = 20_000;

/** The detail of a fallback observation. */
export const TIMED_OUT_DETAIL =
  "detection timed out: a profile pattern is too slow for this screen";

/** Classifies panes; see the module documentation. */
export interface Detector {
  /** Observations for `inputs`, in order. */
  detectAll(inputs: readonly DetectInput[], options: DetectOptions): Promise<Observation[]>;
  /** Ends a running {@linkcode detectAll} now (its remaining panes get fallbacks). */
  interrupt(): void;
  /** Releases the worker, if any. */
  close(): void;
}

/** One job for the child. */
export interface DetectRequest {
  type: "detect";
  id: number;
  input: Omit<DetectInput, "profile">;
  profileName: string;
  /** Sent along (serialized) when the child does not know the profile by name. */
  profile?: unknown;
  options: DetectOptions;
}

interface DetectReply {
  id: number;
  observation?: Observation;
  error?: string;
  /** The child's RSS (bytes), with the first answer and every {@linkcode RSS_REPORT_EVERY}th. */
  rss?: number;
}

/**
 * What a pane gets when its detection could not run: its previous findings carried forward, with
 * a plain hash of the screen (no profile pattern involved) so that an unchanged screen is not
 * captured and tried again every cycle.
 */
export function fallbackObservation(input: DetectInput, options: DetectOptions): Observation {
  const carried = detectState({ ...input, capture: null }, options);
  const screenHash = input.capture === null
    ? carried.screenHash
    : `raw:${createHash("sha1").update(input.capture).digest("hex").slice(0, 16)}`;
  return { ...carried, screenHash, detail: TIMED_OUT_DETAIL };
}

/** Detection in the calling thread. */
export class InlineDetector implements Detector {
  /** Runs `detectState` for each input. */
  detectAll(inputs: readonly DetectInput[], options: DetectOptions): Promise<Observation[]> {
    return Promise.resolve(inputs.map((input) => detectState(input, options)));
  }

  /** Nothing to interrupt. */
  interrupt(): void {}

  /** Nothing to release. */
  close(): void {}
}

/** Turns profiles into JSON-safe data: every `RegExp` becomes `{ "$re": [source, flags] }`. */
export function serializeProfiles(
  profiles: Iterable<[string, AgentProfile]>,
): [string, unknown][] {
  const plain = (value: unknown): unknown => {
    if (value instanceof RegExp) return { $re: [value.source, value.flags] };
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  return [...profiles].map(([name, profile]) => [name, plain(profile)]);
}

/** The inverse of {@linkcode serializeProfiles}. */
export function reviveProfiles(data: [string, unknown][]): Map<string, AgentProfile> {
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === "object") {
      const re = (value as { $re?: [string, string] }).$re;
      if (re) return new RegExp(re[0], re[1]);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
    }
    return value;
  };
  return new Map(
    data.filter(([, p]) => p !== undefined).map(([name, p]) => [name, revive(p) as AgentProfile]),
  );
}

/** Options for {@linkcode ProcessDetector}. */
export interface ProcessDetectorOptions {
  /** The argv that starts `tmux-orc monitor --detect-child`. */
  command: readonly string[];
  /** Logger for timeouts. */
  logger: Logger;
  /** Per-cycle budget (default {@linkcode DEFAULT_DETECT_BUDGET_MS}). */
  budgetMs?: number;
  /** Longest wait for a new child to start (default 10 000 ms; not part of the budget). */
  startTimeoutMs?: number;
  /** Replace the child between cycles once its RSS is past this (MB; default {@linkcode DEFAULT_CHILD_RECYCLE_MB}). */
  recycleAboveMb?: number;
  /** ...but only after this many jobs (default {@linkcode DEFAULT_CHILD_RECYCLE_MIN_JOBS}). */
  recycleMinJobs?: number;
}

interface Child {
  process: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  ready: Promise<boolean>;
  replies: Map<number, (reply: DetectReply | undefined) => void>;
  dead: boolean;
  /** Jobs answered. */
  jobs: number;
  /** Its last reported RSS (bytes). */
  rss?: number;
}

/** Detection in a child process under a per-cycle deadline (see the module documentation). */
export class ProcessDetector implements Detector {
  readonly #profiles: ReadonlyMap<string, AgentProfile>;
  readonly #options: ProcessDetectorOptions;
  readonly #budgetMs: number;
  #child: Child | undefined;
  #nextId = 1;
  #slow = new Set<string>();
  #warned = new Set<string>();
  #interrupted = false;
  #closed = false;
  #encoder = new TextEncoder();

  /** Creates the detector and starts its child (it loads while the monitor connects to tmux). */
  constructor(profiles: ReadonlyMap<string, AgentProfile>, options: ProcessDetectorOptions) {
    this.#profiles = profiles;
    this.#options = options;
    this.#budgetMs = options.budgetMs ?? DEFAULT_DETECT_BUDGET_MS;
    this.#spawn();
  }

  /** Pid of the child, when one runs (for tests). */
  get pid(): number | undefined {
    return this.#child && !this.#child.dead ? this.#child.process.pid : undefined;
  }

  /** Classifies the panes one by one in the child, within the cycle's budget. */
  async detectAll(inputs: readonly DetectInput[], options: DetectOptions): Promise<Observation[]> {
    this.#interrupted = false;
    const results: (Observation | undefined)[] = new Array(inputs.length);
    if (inputs.length > 0 && !this.#closed) {
      const child = this.#child && !this.#child.dead ? this.#child : this.#spawn();
      if (!(await child.ready)) {
        // The child cannot start (logged): carry the panes forward. Never classify here: a slow
        // pattern would then block this thread.
        return inputs.map((input) => fallbackObservation(input, options));
      }
      const order = inputs.map((_, i) => i).sort((a, b) =>
        Number(this.#slow.has(inputs[a].pane.paneId)) -
        Number(this.#slow.has(inputs[b].pane.paneId))
      );
      const deadline = performance.now() + this.#budgetMs;
      // Every job is written at once (one pipe round trip per cycle, not per pane); the child
      // answers in order, so the first job without a reply at the deadline is the slow one.
      const lines: string[] = [];
      const replies = order.map((i) => this.#job(child, inputs[i], options, lines));
      child.writer.write(this.#encoder.encode(lines.join(""))).catch(() => this.#kill());
      for (const [k, i] of order.entries()) {
        if (this.#interrupted || child.dead) break;
        const input = inputs[i];
        const reply = await withDeadline(replies[k], deadline - performance.now());
        if (reply?.observation) {
          results[i] = reply.observation;
          this.#slow.delete(input.pane.paneId);
          continue;
        }
        if (reply?.error !== undefined) {
          // Not slowness (e.g. a pattern overflowing the stack): carry the pane forward.
          this.#warnOnce(input, `Detection for {pane} (profile {profile}) failed: ${reply.error}`);
          continue;
        }
        if (this.#interrupted) break;
        this.#timedOut(input);
        break;
      }
      this.#recycleIfLarge(child);
    }
    return inputs.map((input, i) => results[i] ?? fallbackObservation(input, options));
  }

  /** Ends the running detection now: the child is killed. */
  interrupt(): void {
    this.#interrupted = true;
    this.#kill();
  }

  /** Ends the child. */
  close(): void {
    this.#closed = true;
    const child = this.#child;
    if (!child || child.dead) return;
    child.writer.close().catch(() => {});
    const timer = setTimeout(() => this.#kill(), 500);
    child.process.status.finally(() => clearTimeout(timer));
  }

  /** Replaces a child that has grown past the limit (between cycles: no job is in flight). */
  #recycleIfLarge(child: Child): void {
    const limitMb = this.#options.recycleAboveMb ?? DEFAULT_CHILD_RECYCLE_MB;
    if (
      child.dead || this.#closed || this.#child !== child || child.rss === undefined ||
      child.rss <= limitMb * 2 ** 20 ||
      child.jobs < (this.#options.recycleMinJobs ?? DEFAULT_CHILD_RECYCLE_MIN_JOBS)
    ) return;
    this.#options.logger.info(
      "Replacing the detection child: {rss} MB after {jobs} detections (limit {limit} MB)",
      { rss: Math.round(child.rss / 2 ** 20), jobs: child.jobs, limit: limitMb },
    );
    this.#retire(child);
    this.#spawn();
  }

  /** Lets a child finish at EOF (killed after 500 ms if it does not). */
  #retire(child: Child): void {
    child.dead = true;
    child.writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        child.process.kill("SIGKILL");
      } catch { /* gone */ }
    }, 500);
    child.process.status.finally(() => clearTimeout(timer));
  }

  #timedOut(input: DetectInput): void {
    this.#slow.add(input.pane.paneId);
    this.#kill();
    if (!this.#closed) this.#spawn(); // ready for the next cycle
    this.#warnOnce(
      input,
      "Detection for {pane} (profile {profile}) ran past the cycle's {budget} ms: stopped it; " +
        "a pattern in the profile is too slow for this screen",
    );
  }

  #warnOnce(input: DetectInput, message: string): void {
    const key = `${input.pane.paneId}\0${input.profile.name}\0${message}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#options.logger.error(message, {
      pane: input.pane.paneId,
      profile: input.profile.name,
      budget: this.#budgetMs,
    });
  }

  #kill(): void {
    const child = this.#child;
    if (!child || child.dead) return;
    child.dead = true;
    try {
      child.process.kill("SIGKILL");
    } catch { /* gone */ }
    for (const done of child.replies.values()) done(undefined);
    child.replies.clear();
  }

  #spawn(): Child {
    const [cmd, ...args] = this.#options.command;
    const process = new Deno.Command(cmd, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = process.stdin.getWriter();
    writer.closed.catch(() => {});
    let markReady: (ok: boolean) => void = () => {};
    const child: Child = {
      process,
      writer,
      ready: new Promise<boolean>((resolve) => markReady = resolve),
      replies: new Map(),
      dead: false,
      jobs: 0,
    };
    this.#child = child;
    const timer = setTimeout(() => {
      this.#options.logger.error("The detection child did not start within {ms} ms", {
        ms: this.#options.startTimeoutMs ?? 10_000,
      });
      markReady(false);
    }, this.#options.startTimeoutMs ?? 10_000);
    (async () => {
      const lines = decodedText(process.stdout);
      let buffer = "";
      try {
        for await (const chunk of lines) {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            const message = JSON.parse(line);
            if (message.ready) {
              clearTimeout(timer);
              markReady(true);
              continue;
            }
            child.jobs++;
            if (typeof message.rss === "number") child.rss = message.rss;
            const done = child.replies.get(message.id);
            child.replies.delete(message.id);
            done?.(message as DetectReply);
          }
        }
      } catch { /* killed */ }
      clearTimeout(timer);
      markReady(false);
      child.dead = true;
      for (const done of child.replies.values()) done(undefined);
      child.replies.clear();
    })();
    process.status.catch(() => {});
    const profiles = JSON.stringify({ profiles: serializeProfiles(this.#profiles) }) + "\n";
    writer.write(this.#encoder.encode(profiles)).catch(() => {});
    return child;
  }

  /** Registers one job and adds its request line to `lines`; resolves with its reply. */
  #job(child: Child, input: DetectInput, options: DetectOptions, lines: string[]) {
    const id = this.#nextId++;
    const { profile, ...rest } = input;
    const known = this.#profiles.get(profile.name) === profile;
    const request: DetectRequest = {
      type: "detect",
      id,
      input: rest,
      profileName: profile.name,
      options,
      ...(known ? {} : { profile: serializeProfiles([[profile.name, profile]])[0][1] }),
    };
    lines.push(JSON.stringify(request) + "\n");
    return new Promise<DetectReply | undefined>((resolve) => child.replies.set(id, resolve));
  }
}

/** `promise`'s value, or `undefined` once `ms` have passed (at once when `ms <= 0`). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

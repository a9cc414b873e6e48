/**
 * {@linkcode ControlClient}: one long-lived tmux control-mode connection (`tmux -C`) that runs
 * every command, matching replies to commands in order.
 *
 * The connection creates no session of its own: it attaches (`attach-session -E`) to the user's
 * session that was active most recently, with the client flags `no-output` (pane output never
 * reaches it) and `ignore-size` (it never changes a window's size), and it sets no option there.
 * A session of its own would be a trap: tmux runs a command from outside tmux (a plain
 * `tmux new-window`) in the session with the latest activity, which a freshly created control
 * session always was, and destroying it on detach took the user's windows with it. Attaching to
 * the session that was already the latest leaves tmux's choice unchanged. When the server has no
 * session there is nothing to watch: the connection fails with {@linkcode TmuxUnavailableError}
 * and is retried with backoff. When the attached session is destroyed, tmux detaches the client
 * (or moves it, per the user's `detach-on-destroy`) and the next command reconnects.
 *
 * It never starts a tmux server: it probes with `list-sessions` and connects with tmux's `-N`.
 *
 * @module
 */

import { type Clock, systemClock } from "../util/clock.ts";
import { decodedText } from "../util/text_stream.ts";
import { type ControlEvent, type ControlNotification, ControlParser } from "./control_parser.ts";
import { errorMessage } from "../state/errors.ts";
import {
  DEFAULT_TMUX_TIMEOUT_MS,
  isUnavailableMessage,
  SubprocessClient,
  validateTmuxArgs,
} from "./subprocess_client.ts";
import {
  socketArgs,
  type TmuxClient,
  TmuxCommandError,
  type TmuxRunOptions,
  type TmuxServer,
  TmuxUnavailableError,
} from "./types.ts";
import { formatTmuxCommand, pickAttachSession } from "./control_command.ts";

export {
  CONTROL_SESSION_NAME,
  formatTmuxCommand,
  pickAttachSession,
  quoteTmuxArgument,
} from "./control_command.ts";

/** What the control client reports through `onEvent`, for logging. */
export type ControlClientEvent =
  | { kind: "connected"; pid: number }
  | { kind: "disconnected"; reason: string }
  | { kind: "reconnect-scheduled"; delayMs: number; reason: string }
  | { kind: "subscribe-failed"; name: string; reason: string };

/** A control-mode subscription (`refresh-client -B NAME:TARGET:FORMAT`, tmux >= 3.2). */
export interface ControlSubscription {
  /** Its name, as `%subscription-changed` reports it (no `:`). */
  name: string;
  /**
   * What the format is expanded for: empty for the attached session, `%N` / `%*` for one / every
   * pane of the attached session, `@N` / `@*` for windows.
   * @default ""
   */
  target?: string;
  /** The format; tmux reports its value when it changes, checking once a second. */
  format: string;
}

/** Options for {@linkcode ControlClient}. */
export interface ControlClientOptions {
  /** The tmux binary (default `tmux`). */
  tmuxPath?: string;
  /** Default per-command timeout, also the bound on one connection attempt (default 2000 ms). */
  timeoutMs?: number;
  /** First delay after a failed connection attempt (default 100 ms); doubles on each failure. */
  minBackoffMs?: number;
  /** Upper bound of the delay between connection attempts (default 5000 ms). */
  maxBackoffMs?: number;
  /** Monotonic clock for backoff (default the system clock). */
  clock?: Clock;
  /** Called on connect, disconnect and backoff; exceptions are ignored. */
  onEvent?: (event: ControlClientEvent) => void;
  /** Called for every control-mode notification (`%window-add`, `%sessions-changed`, ...). */
  onNotification?: (notification: ControlNotification) => void;
}

interface Pending {
  name: string;
  resolve: (lines: string[]) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Connection {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  parser: ControlParser;
  pending: Pending[];
  handshake: { resolve: () => void; reject: (error: Error) => void } | undefined;
  dead: boolean;
  /** Set once the connection has been handed out (only then is a disconnect announced). */
  established: boolean;
  stderr: string;
  stderrDone: Promise<void>;
  stdoutReader: ReadableStreamDefaultReader<string>;
  stderrReader: ReadableStreamDefaultReader<string>;
  /** Resolves once the process has exited and every stream is finished. */
  finished: Promise<void>;
}

const STDERR_LIMIT = 4096;
const STREAM_GRACE_MS = 200;
const CLOSE_GRACE_MS = 1000;

/**
 * A {@linkcode TmuxClient} over one persistent control-mode connection.
 *
 * - Commands are written as single lines quoted by {@linkcode quoteTmuxArgument} and matched to
 *   `%begin/%end/%error` replies in order.
 * - A per-command timeout (default 2000 ms), `%exit`, EOF or a write error marks the connection
 *   dead: every pending command rejects with {@linkcode TmuxUnavailableError} at once, and the next
 *   {@linkcode run} reconnects.
 * - Failed connection attempts back off exponentially (100 ms doubling to 5 s by default); during
 *   backoff {@linkcode run} rejects immediately.
 * - When no server runs, {@linkcode run} rejects with {@linkcode TmuxUnavailableError} and no
 *   server is started.
 */
export class ControlClient implements TmuxClient {
  #server: TmuxServer;
  #tmuxPath: string;
  #timeoutMs: number;
  #minBackoffMs: number;
  #maxBackoffMs: number;
  #clock: Clock;
  #onEvent: ((event: ControlClientEvent) => void) | undefined;
  #onNotification: ((notification: ControlNotification) => void) | undefined;

  #conn: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #closed = false;
  #backoffMs: number;
  #retryAt = -Infinity;
  #lastFailure = "";
  #finishing = new Set<Promise<void>>();
  #encoder = new TextEncoder();
  /** Subscriptions added again on every new connection, by name (the `-B` argument). */
  #subscriptions = new Map<string, string>();

  /** Creates a client; the connection is opened lazily by the first {@linkcode run}. */
  constructor(server: TmuxServer, options: ControlClientOptions = {}) {
    this.#server = { ...server };
    this.#tmuxPath = options.tmuxPath ?? "tmux";
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS;
    this.#minBackoffMs = options.minBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent;
    this.#onNotification = options.onNotification;
    this.#backoffMs = this.#minBackoffMs;
  }

  /** Whether a live connection is open right now. */
  get connected(): boolean {
    return this.#conn !== undefined && !this.#conn.dead;
  }

  /** Pid of the tmux control-mode client process, when connected. */
  get pid(): number | undefined {
    return this.connected ? this.#conn!.child.pid : undefined;
  }

  /** Runs one command over the connection (connecting first if needed). */
  async run(args: readonly string[], options: TmuxRunOptions = {}): Promise<string[]> {
    validateTmuxArgs(args);
    const line = formatTmuxCommand(args) + "\n";
    if (this.#closed) throw new TmuxUnavailableError("Tmux client is closed");
    const conn = await this.#ensureConnection();
    return this.#send(conn, args[0], line, options.timeoutMs ?? this.#timeoutMs);
  }

  /**
   * Adds a subscription (see {@linkcode ControlSubscription}) now and again after every reconnect;
   * its changes arrive as `%subscription-changed` notifications through `onNotification` (read
   * them with `parseSubscriptionChange`; tmux reports the first value at once). Resolves once tmux
   * took it, or when no server answers now (it is added on the next connection). Rejects with
   * `TmuxCommandError` when tmux refuses it (tmux before 3.2 has no `-B`): it is then forgotten.
   * A refusal after a reconnect is reported as a `subscribe-failed` event.
   */
  async subscribe(subscription: ControlSubscription): Promise<void> {
    if (subscription.name === "" || subscription.name.includes(":")) {
      throw new TypeError(`Bad subscription name: ${JSON.stringify(subscription.name)}`);
    }
    const argument = `${subscription.name}:${subscription.target ?? ""}:${subscription.format}`;
    try {
      await this.run(["refresh-client", "-B", argument]);
    } catch (error) {
      if (!(error instanceof TmuxUnavailableError)) throw error;
    }
    this.#subscriptions.set(subscription.name, argument);
  }

  /** Removes a subscription (here and in tmux, when connected). */
  async unsubscribe(name: string): Promise<void> {
    if (!this.#subscriptions.delete(name) || !this.connected) return;
    await this.run(["refresh-client", "-B", name]);
  }

  /**
   * Closes the connection: pending commands reject, stdin is closed so tmux detaches the client,
   * and the process is awaited (killed after a grace period if it does not exit). Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#connecting) await this.#connecting.catch(() => {});
    const conn = this.#conn;
    if (conn) this.#markDead(conn, "client closed", false);
    await Promise.allSettled([...this.#finishing]);
  }

  #emit(event: ControlClientEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // Logging must not break the client.
    }
  }

  #ensureConnection(): Promise<Connection> {
    const conn = this.#conn;
    if (conn && !conn.dead) return Promise.resolve(conn);
    if (this.#connecting) return this.#connecting;
    const now = this.#clock.monotonic();
    if (now < this.#retryAt) {
      const wait = Math.ceil(this.#retryAt - now);
      return Promise.reject(
        new TmuxUnavailableError(
          `Tmux connection backing off: retrying in ${wait} ms after: ${this.#lastFailure}`,
        ),
      );
    }
    const attempt = this.#connect().then(
      (conn) => {
        this.#backoffMs = this.#minBackoffMs;
        this.#retryAt = -Infinity;
        this.#connecting = undefined;
        if (this.#closed) {
          this.#markDead(conn, "client closed", false);
          throw new TmuxUnavailableError("Tmux client is closed");
        }
        this.#conn = conn;
        conn.established = true;
        this.#emit({ kind: "connected", pid: conn.child.pid });
        return conn;
      },
      (error: unknown) => {
        const delayMs = this.#backoffMs;
        this.#retryAt = this.#clock.monotonic() + delayMs;
        this.#backoffMs = Math.min(delayMs * 2, this.#maxBackoffMs);
        this.#lastFailure = errorMessage(error);
        this.#connecting = undefined;
        this.#emit({ kind: "reconnect-scheduled", delayMs, reason: this.#lastFailure });
        if (error instanceof TmuxUnavailableError) throw error;
        throw new TmuxUnavailableError(`Tmux connection failed: ${errorMessage(error)}`, {
          cause: error,
        });
      },
    );
    this.#connecting = attempt;
    return attempt;
  }

  /** Probes for a session to attach to, attaches, and waits for the handshake. */
  async #connect(): Promise<Connection> {
    const session = await this.#attachTarget();
    const conn = this.#spawn(session);
    await this.#handshake(conn);
    return conn;
  }

  /** The session to attach to (the most recently active), found without starting a server. */
  async #attachTarget(): Promise<string> {
    // Probe first: `list-sessions` never starts a server. `-N` below closes the remaining race.
    const probe = new SubprocessClient(this.#server, {
      tmuxPath: this.#tmuxPath,
      timeoutMs: this.#timeoutMs,
      noStartServer: true,
    });
    let session: string | undefined;
    try {
      session = pickAttachSession(
        await probe.run([
          "list-sessions",
          "-F",
          "#{session_activity} #{session_id} #{session_name}",
        ]),
      );
    } finally {
      await probe.close();
    }
    if (session === undefined) {
      throw new TmuxUnavailableError("Tmux server has no session to watch");
    }
    return session;
  }

  /** Starts `tmux -C attach-session` and the readers of its output. */
  #spawn(session: string): Connection {
    // -E: the user's update-environment must not copy the monitor's environment into the session.
    const args = [
      "-u",
      "-N",
      ...socketArgs(this.#server),
      "-C",
      "attach-session",
      "-E",
      "-f",
      "no-output,ignore-size",
      "-t",
      session,
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#tmuxPath, {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new TmuxUnavailableError(`Tmux could not be started: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const writer = child.stdin.getWriter();
    writer.closed.catch(() => {});
    const conn: Connection = {
      child,
      writer,
      parser: new ControlParser(),
      pending: [],
      handshake: undefined,
      dead: false,
      established: false,
      stderr: "",
      stderrDone: Promise.resolve(),
      stdoutReader: decodedText(child.stdout).getReader(),
      stderrReader: decodedText(child.stderr, { bufferSize: 4096 }).getReader(),
      finished: Promise.resolve(),
    };
    conn.stderrDone = this.#readStderr(conn);
    const stdoutDone = this.#readStdout(conn);
    conn.finished = (async () => {
      await child.status;
      // tmux passes its stdio descriptors to the server, so a pipe may not reach EOF when the
      // client exits (e.g. killed while the server is stopped): stop reading after a grace period.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([stdoutDone, conn.stderrDone]),
        new Promise<void>((resolve) => timer = setTimeout(resolve, STREAM_GRACE_MS)),
      ]);
      clearTimeout(timer);
      cancelStreams(conn);
      await Promise.allSettled([stdoutDone, conn.stderrDone, writer.closed]);
    })();
    this.#finishing.add(conn.finished);
    conn.finished.then(() => this.#finishing.delete(conn.finished));
    return conn;
  }

  /** Waits for the reply to `attach-session`, then sets the client flags again. */
  async #handshake(conn: Connection): Promise<void> {
    // The first reply block belongs to the initial `attach-session` command.
    const handshake = new Promise<void>((resolve, reject) => {
      conn.handshake = { resolve, reject };
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TmuxUnavailableError(
              `Tmux control connection timed out: no reply after ${this.#timeoutMs} ms`,
            ),
          ),
        this.#timeoutMs,
      );
    });
    try {
      await Promise.race([handshake, timeout]);
      // Belt and braces: the flags were given at attach, set them again explicitly.
      await this.#send(
        conn,
        "refresh-client",
        "refresh-client -f no-output,ignore-size\n",
        this.#timeoutMs,
      );
      await this.#resubscribe(conn);
    } catch (error) {
      this.#markDead(conn, `connection attempt failed: ${errorMessage(error)}`, true);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Adds the subscriptions again on a new connection (tmux forgets them with the client). */
  async #resubscribe(conn: Connection): Promise<void> {
    for (const [name, argument] of [...this.#subscriptions]) {
      try {
        await this.#send(
          conn,
          "refresh-client",
          formatTmuxCommand(["refresh-client", "-B", argument]) + "\n",
          this.#timeoutMs,
        );
      } catch (error) {
        if (!(error instanceof TmuxCommandError)) throw error;
        this.#subscriptions.delete(name);
        this.#emit({ kind: "subscribe-failed", name, reason: errorMessage(error) });
      }
    }
  }

  async #readStdout(conn: Connection): Promise<void> {
    const reader = conn.stdoutReader;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of conn.parser.push(value)) this.#handle(conn, event);
      }
    } catch {
      // The stream broke: treated as EOF.
    } finally {
      for (const event of conn.parser.end()) this.#handle(conn, event);
    }
    if (!conn.dead) {
      // Give stderr a moment so the reason names tmux's own message (e.g. "lost server").
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        conn.stderrDone,
        new Promise<void>((resolve) => timer = setTimeout(resolve, 200)),
      ]);
      clearTimeout(timer);
      const detail = conn.stderr.trim();
      this.#markDead(conn, `tmux client exited${detail ? `: ${detail}` : ""}`, false);
    }
  }

  async #readStderr(conn: Connection): Promise<void> {
    const reader = conn.stderrReader;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (conn.stderr.length < STDERR_LIMIT) conn.stderr += value.slice(0, STDERR_LIMIT);
      }
    } catch {
      // Ignore: stderr is only for messages.
    }
  }

  #handle(conn: Connection, event: ControlEvent): void {
    if (event.kind === "reply") {
      if (conn.handshake) {
        const handshake = conn.handshake;
        conn.handshake = undefined;
        if (event.ok) handshake.resolve();
        else {
          const message = event.lines.join("\n") || "initial command failed";
          handshake.reject(
            isUnavailableMessage(message)
              ? new TmuxUnavailableError(`Tmux server unavailable: ${message}`)
              : new TmuxCommandError(message),
          );
        }
        return;
      }
      // Flags 1 marks commands this client sent; anything else is not a reply we wait for.
      if (event.flags !== 1) return;
      const pending = conn.pending.shift();
      if (!pending) return;
      clearTimeout(pending.timer);
      if (event.ok) pending.resolve(event.lines);
      else {
        pending.reject(
          new TmuxCommandError(
            event.lines.join("\n") || `Tmux command failed: ${pending.name}`,
          ),
        );
      }
      return;
    }
    if (event.kind === "notification") {
      if (event.name === "exit") {
        const reason = event.args[0] ? `: ${event.args[0]}` : "";
        this.#markDead(conn, `tmux sent %exit${reason}`, false);
      }
      try {
        this.#onNotification?.(event);
      } catch {
        // Ignore listener errors.
      }
    }
  }

  #send(conn: Connection, name: string, line: string, timeoutMs: number): Promise<string[]> {
    if (conn.dead) {
      return Promise.reject(new TmuxUnavailableError("Tmux connection lost: already closed"));
    }
    const promise = new Promise<string[]>((resolve, reject) => {
      const pending: Pending = { name, resolve, reject, timer: undefined };
      pending.timer = setTimeout(() => {
        const message = `Tmux command timed out: ${name} after ${timeoutMs} ms`;
        this.#markDead(conn, message, true, pending);
      }, timeoutMs);
      conn.pending.push(pending);
    });
    conn.writer.write(this.#encoder.encode(line)).catch((error) => {
      this.#markDead(conn, `write failed: ${errorMessage(error)}`, true);
    });
    return promise;
  }

  /**
   * Marks a connection dead (once): rejects every pending command, closes stdin (tmux then
   * detaches and exits), or kills the process when it cannot be trusted to exit.
   */
  #markDead(conn: Connection, reason: string, kill: boolean, culprit?: Pending): void {
    if (conn.dead) return;
    conn.dead = true;
    if (this.#conn === conn) this.#conn = undefined;
    for (const p of conn.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(
        new TmuxUnavailableError(p === culprit ? reason : `Tmux connection lost: ${reason}`),
      );
    }
    conn.handshake?.reject(new TmuxUnavailableError(`Tmux connection lost: ${reason}`));
    conn.handshake = undefined;
    if (kill) {
      try {
        conn.child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      cancelStreams(conn);
      conn.writer.abort().catch(() => {});
    } else {
      conn.writer.close().catch(() => {});
      // If tmux does not exit on EOF (e.g. a stopped server), kill it after a grace period.
      const timer = setTimeout(() => {
        try {
          conn.child.kill("SIGKILL");
        } catch {
          // Already exited.
        }
      }, CLOSE_GRACE_MS);
      conn.child.status.finally(() => clearTimeout(timer));
    }
    if (conn.established) this.#emit({ kind: "disconnected", reason });
  }
}

/** Stops reading a connection's output pipes (pending reads end as EOF). */
function cancelStreams(conn: Connection): void {
  conn.stdoutReader.cancel().catch(() => {});
  conn.stderrReader.cancel().catch(() => {});
}

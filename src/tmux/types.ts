/**
 * The contract between the monitor and tmux: a {@linkcode TmuxClient} runs tmux commands given as
 * argv arrays, whether over one persistent control-mode connection or one subprocess per command.
 *
 * @module
 */

/** Which tmux server to talk to: exactly tmux's own `-L` / `-S`. */
export interface TmuxServer {
  /** tmux `-L NAME`. */
  socketName?: string;
  /** tmux `-S PATH`. */
  socketPath?: string;
}

/** Options for one command. */
export interface TmuxRunOptions {
  /** Per-command timeout in milliseconds. */
  timeoutMs?: number;
}

/** A way to run tmux commands. */
export interface TmuxClient {
  /**
   * Runs one tmux command, e.g. `["list-panes", "-a", "-F", fmt]`, and resolves with its output
   * lines. Rejects with {@linkcode TmuxCommandError} when tmux reports an error, and with
   * {@linkcode TmuxUnavailableError} when no server is running or the connection is gone.
   */
  run(args: readonly string[], options?: TmuxRunOptions): Promise<string[]>;
  /** Closes the client (and its connection, if any). Idempotent. */
  close(): Promise<void>;
}

/** tmux answered a command with an error. */
export class TmuxCommandError extends Error {
  /** Creates the error from tmux's own message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TmuxCommandError";
  }
}

/** No tmux server is running at that socket, or the connection to it is gone or timed out. */
export class TmuxUnavailableError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TmuxUnavailableError";
  }
}

/** Returns tmux's global socket arguments (`-L NAME` / `-S PATH`) for a server. */
export function socketArgs(server: TmuxServer): string[] {
  const args: string[] = [];
  if (server.socketName) args.push("-L", server.socketName);
  if (server.socketPath) args.push("-S", server.socketPath);
  return args;
}

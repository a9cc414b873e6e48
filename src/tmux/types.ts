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

/**
 * One pane as `list-panes -a` reports it: the ground truth of a monitor cycle.
 */
export interface PaneRecord {
  /** `%N`: the only way panes are addressed. */
  paneId: string;
  /** Pid of the pane's first process (usually a shell or the agent). */
  pid: number;
  /** Whether the pane's process has exited (remain-on-exit). */
  dead: boolean;
  /** Exit status of a dead pane, when tmux knows it. */
  deadStatus?: number;
  /** `pane_current_command`: the foreground process name. */
  currentCommand: string;
  /** `pane_current_path`. */
  currentPath: string;
  /** `pane_title`. */
  title: string;
  /** `window_activity` in seconds since the epoch (last output in the window). */
  windowActivity: number;
  /** `history_size`. */
  historySize: number;
  /** `cursor_x`. */
  cursorX: number;
  /** `cursor_y`. */
  cursorY: number;
  /** `pane_width`. */
  width: number;
  /** `pane_height`. */
  height: number;
  /** `pane_in_mode`: copy mode and the like. */
  inMode: boolean;
  /** `session_name`. */
  sessionName: string;
  /** `session_id` (`$N`). */
  sessionId: string;
  /** `window_id` (`@N`). */
  windowId: string;
  /** `window_index`. */
  windowIndex: number;
  /** `window_name`. */
  windowName: string;
  /** `pane_index`. */
  paneIndex: number;
  /** Pane user option `@tmux-orc-role`: `agent`, `pm`, or empty. */
  role: string;
  /** Pane user option `@tmux-orc-name`. */
  name: string;
  /** Pane user option `@tmux-orc-profile`. */
  profile: string;
  /** Pane user option `@tmux-orc-command`. */
  command: string;
  /** Pane user option `@tmux-orc-pm`: the `%pane_id` of this agent's PM, when registration names one. */
  pm: string;
  /**
   * Pane user option `@tmux-orc-hook`: the agent CLI's latest hook event as `tmux-orc hook`
   * recorded it (`src/hooks/event.ts`), or empty. Absent in records not read from tmux.
   */
  hook?: string;
}

/**
 * What `top`'s keys do to panes, through tmux: jump to a pane (switch the client, window and
 * pane when `top` runs inside a client of the same tmux server; otherwise the command that
 * attaches), press Enter in it, and send it a message through the reliable send path.
 *
 * @module
 */

import type { AgentProfile } from "../agents/profiles.ts";
import { sendToPane } from "../cli/commands/send.ts";
import { errorMessage } from "../state/errors.ts";
import { sendKey, shellWord } from "../tmux/commands.ts";
import { socketArgs, type TmuxClient, type TmuxServer } from "../tmux/types.ts";
import { safeText } from "../util/safe_text.ts";

/** What a jump did. */
export type JumpResult =
  | { kind: "switched"; text: string }
  | { kind: "attach"; command: string }
  | { kind: "failed"; text: string };

/** The actions the app calls (the real ones, or a test's). */
export interface TopActions {
  /** Jumps to a pane. */
  jump(paneId: string): Promise<JumpResult>;
  /** Presses Enter in a pane; resolves with a notice, rejects with a one-line error. */
  pressEnter(paneId: string): Promise<string>;
  /** Sends a message; resolves with a notice, rejects with a one-line error. */
  send(paneId: string, message: string): Promise<string>;
}

/**
 * The shell command that attaches to `paneId`'s session with that window and pane current.
 *
 * @example
 * ```ts
 * attachCommand({ socketName: "work" }, "%3");
 * // "tmux -L work select-window -t %3 \\; select-pane -t %3 \\; attach-session -t %3"
 * ```
 */
export function attachCommand(server: TmuxServer, paneId: string): string {
  const socket = socketArgs(server).map(shellWord);
  const t = `-t ${paneId}`;
  return ["tmux", ...socket, `select-window ${t} \\; select-pane ${t} \\; attach-session ${t}`]
    .join(" ");
}

/** The socket path in `$TMUX` (`/tmp/tmux-1000/default,1234,0` → its first field). */
export function tmuxEnvSocket(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const socket = value.split(",")[0];
  return socket === "" ? undefined : socket;
}

/** Options for {@linkcode tmuxActions}. */
export interface TmuxActionsOptions {
  /** `$TMUX` of this process. */
  tmuxEnv?: string;
  /** Profile overrides (`profiles.json`). */
  profiles?: ReadonlyMap<string, AgentProfile>;
}

/** The actions on `server` through `tmux`. */
export function tmuxActions(
  tmux: TmuxClient,
  server: TmuxServer,
  options: TmuxActionsOptions = {},
): TopActions {
  let ownSocket: Promise<string | undefined> | undefined;
  const serverSocket = () =>
    ownSocket ??= tmux.run(["display-message", "-p", "#{socket_path}"]).then(
      (lines) => lines[0],
      () => undefined,
    );
  return {
    async jump(paneId) {
      const inside = tmuxEnvSocket(options.tmuxEnv);
      if (inside === undefined || inside !== await serverSocket()) {
        return { kind: "attach", command: attachCommand(server, paneId) };
      }
      try {
        await tmux.run(["switch-client", "-t", paneId]);
        await tmux.run(["select-window", "-t", paneId]);
        await tmux.run(["select-pane", "-t", paneId]);
        return { kind: "switched", text: `Jumped to ${paneId}` };
      } catch (error) {
        return {
          kind: "failed",
          text: safeText(
            `Cannot jump to ${paneId}: ${errorMessage(error)} (to attach: ${
              attachCommand(server, paneId)
            })`,
          ),
        };
      }
    },
    async pressEnter(paneId) {
      await sendKey(tmux, paneId, "Enter");
      return `Pressed Enter in ${paneId}`;
    },
    async send(paneId, message) {
      const { where, report } = await sendToPane(tmux, paneId, message, {
        profiles: options.profiles,
        verify: true,
      });
      const how = report.verified
        ? `verified, ${report.enters} Enter ${report.enters === 1 ? "press" : "presses"}`
        : "not verified: no agent profile for this pane";
      return safeText(`✓ Delivered to ${where} (${how})`);
    },
  };
}

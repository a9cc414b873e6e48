/**
 * `tmux-orc send TARGET MESSAGE`: type a message into an agent's pane with the monitor's reliable
 * delivery (typed literally, Enter as a separate key, verified on the screen, Enter pressed again
 * when swallowed). Exit 0 when delivered, 1 with one line saying why when not.
 *
 * @module
 */

import {
  type AgentProfile,
  commandName,
  DEFAULT_SHELLS,
  identifyProfile,
} from "../../agents/profiles.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { isWrapperCommand, paneTarget } from "../../monitor/registry.ts";
import { cleanMessage, deliver, type DeliveryReport } from "../../notify/deliver.ts";
import type { TmuxClient } from "../../tmux/types.ts";
import { UsageError, UserError } from "../../state/errors.ts";
import { capturePane } from "../../tmux/commands.ts";
import { seconds, switchOption } from "../options.ts";
import { defineCommand } from "../spec.ts";
import { findPane, withTmux } from "./agent.ts";
import { safeText } from "../../util/safe_text.ts";

/** Longest message accepted (it is typed into a terminal). */
const MAX_MESSAGE = 100_000;

/** Options for {@linkcode sendToPane}. */
export interface SendToPaneOptions {
  /** Profile overrides (`profiles.json`). */
  profiles?: ReadonlyMap<string, AgentProfile>;
  /** Check the screen (default: when a profile is known). */
  verify?: boolean;
  /** Type even into a shell. @default false */
  force?: boolean;
  /** Bound on the delivery (ms). */
  timeoutMs?: number;
}

/**
 * The reliable send path `send` and `top` share: finds the pane, identifies its profile (from
 * the screen for a wrapper command), refuses a dead pane or a shell in the foreground (unless
 * `force`), and delivers with verification. Throws a one-line {@linkcode UserError} when it
 * refuses or the delivery fails.
 */
export async function sendToPane(
  tmux: TmuxClient,
  target: string,
  message: string,
  options: SendToPaneOptions = {},
): Promise<{ where: string; report: DeliveryReport }> {
  const { force = false } = options;
  const profiles = options.profiles ?? new Map<string, AgentProfile>();
  const pane = await findPane(tmux, target);
  const where = `${pane.paneId} (${paneTarget(pane)})`;
  if (pane.dead) throw new UserError(`Delivery failed: the pane is dead: ${where}`);
  let profile = identifyProfile(pane, { profiles });
  if (!profile && isWrapperCommand(pane.currentCommand, profiles)) {
    const screen = (await capturePane(tmux, pane.paneId)).join("\n");
    profile = identifyProfile(pane, { profiles, screen, width: pane.width });
  }
  const shells = profile?.shells ?? DEFAULT_SHELLS;
  const command = commandName(pane.currentCommand);
  if (shells.includes(command) && !force) {
    throw new UserError(
      `Refusing to type into a shell (${command} is in the foreground of ${where}; use --force)`,
    );
  }
  const report = await deliver(tmux, pane.paneId, message, {
    profile,
    width: pane.width,
    verify: options.verify,
    timeoutMs: options.timeoutMs,
  });
  if (report.status === "failed") {
    throw new UserError(`Delivery failed: ${report.reason}: ${where}`);
  }
  return { where, report };
}

/** `send`. */
export const sendCommand = defineCommand({
  path: ["send"],
  summary: "Type a message into an agent's pane and make sure it is submitted",
  argsUsage: "TARGET MESSAGE",
  args: { min: 2, max: 1000 },
  description:
    "TARGET is %N or session:window.pane. MESSAGE arrives literally (several words are joined\n" +
    "with spaces; nothing is read as a key name). Multi-line or long text is pasted. With a\n" +
    "known agent profile the input box is checked and Enter pressed again if it was swallowed.",
  options: {
    verify: switchOption({
      flag: "no-verify",
      negates: true,
      help: "Type and press Enter without checking the screen",
    }),
    force: switchOption({
      flag: "force",
      help: "Type even into a pane whose foreground program is a shell",
    }),
    timeoutMs: seconds({
      flag: "timeout",
      min: 0.1,
      max: 60,
      default: 2000,
      help: "Give up after this many seconds",
    }),
  },
  async run(ctx, { verify, force, timeoutMs }) {
    const [target, ...words] = ctx.args;
    const message = words.join(" ");
    if (cleanMessage(message).trim() === "") throw new UsageError("Invalid message: it is empty");
    if (message.length > MAX_MESSAGE) {
      throw new UsageError(`Invalid message: longer than ${MAX_MESSAGE} characters`);
    }
    const paths = await ctx.statePaths({ create: false });
    const profiles = readProfilesFile(paths.profiles);
    return await withTmux(ctx.global.server, async (tmux) => {
      const { where, report } = await sendToPane(tmux, target, message, {
        profiles,
        verify,
        force,
        timeoutMs,
      });
      const how = report.verified
        ? `verified, ${report.enters} Enter ${report.enters === 1 ? "press" : "presses"}`
        : "not verified: no agent profile for this pane";
      ctx.out(safeText(`✓ Delivered to ${where} (${how})`));
      return 0;
    });
  },
});

/**
 * `tmux-orc notify test [CHANNEL]`: sends a test notice through one configured channel (or every
 * enabled one) right now, one try each, not through the outbox, and prints the result per
 * channel. Exit 0 when every channel took it, 1 otherwise.
 *
 * @module
 */

import { parseChannels } from "../../channels/parse.ts";
import { sendNotice } from "../../channels/send.ts";
import type { Channel, Notice } from "../../channels/types.ts";
import { redact } from "../../config/mod.ts";
import { UsageError, UserError } from "../../state/errors.ts";
import { safeJson, safeText } from "../../util/safe_text.ts";
import { switchOption } from "../options.ts";
import { defineCommand } from "../spec.ts";

/** The test notice for a channel. */
export function testNotice(channel: Channel, options: { host: string; nowMs: number }): Notice {
  const at = new Date(options.nowMs).toISOString();
  return {
    id: `test-${crypto.randomUUID()}`,
    event: "test",
    channel: channel.name,
    host: options.host,
    agent: "tmux-orc",
    pane_id: "",
    session: "",
    state: "idle",
    detail: "",
    since: at,
    duration_s: 0,
    pm: null,
    pm_state: null,
    reason: "tmux-orc notify test",
    text: `[tmux-orc] Test notice from ${options.host} through channel ${channel.name} ` +
      `(${channel.type}): this channel works.`,
    created_at: at,
  };
}

/** `notify test`. */
export const notifyTestCommand = defineCommand({
  path: ["notify", "test"],
  summary: "Send a test notice through a channel (or all) and report the result",
  argsUsage: "[CHANNEL]",
  args: { min: 0, max: 1 },
  description:
    "Channels are the [[channels]] tables of the config file (see README, Channels). One try\n" +
    "per channel, now, without the outbox. Exit 1 when any channel failed.",
  options: {
    json: switchOption({ flag: "json", help: "Print the results as JSON" }),
  },
  async run(ctx, options) {
    const config = await ctx.config();
    if (!config) {
      throw new UserError(
        "No config file: channels are [[channels]] tables in config.toml (see tmux-orc config path)",
      );
    }
    const all = (await parseChannels(config)).filter((c) => c.type !== "pm");
    const name = ctx.args[0];
    let chosen: Channel[];
    if (name !== undefined) {
      const found = all.find((c) => c.name === name);
      if (!found) {
        if (name === "pm") {
          throw new UsageError(
            "The pm channel types into the PM's pane: test it with tmux-orc send %PANE TEXT",
          );
        }
        const names = all.map((c) => c.name).join(", ") || "none";
        throw new UsageError(`Unknown channel: ${safeText(name)} (channels: ${names})`);
      }
      chosen = [found];
    } else {
      chosen = all.filter((c) => c.enabled);
      if (chosen.length === 0) throw new UserError(`No channels to test in ${config.path}`);
    }
    const host = Deno.hostname();
    const results = await Promise.all(chosen.map(async (channel) => {
      const result = await sendNotice(channel, testNotice(channel, { host, nowMs: Date.now() }));
      return { channel, result };
    }));
    if (options.json) {
      ctx.out(safeJson(
        results.map(({ channel, result }) => ({
          channel: channel.name,
          type: channel.type,
          ok: result.ok,
          status: result.status ?? null,
          error: result.error === undefined ? null : redact(result.error),
          ms: result.durationMs,
        })),
        2,
      ));
    } else {
      for (const { channel, result } of results) {
        const what = `${channel.name} (${channel.type})`;
        const status = result.status === undefined
          ? ""
          : channel.type === "exec"
          ? `, exit ${result.status}`
          : `, HTTP ${result.status}`;
        ctx.out(safeText(
          result.ok
            ? `✓ ${what}: delivered in ${result.durationMs} ms${status}`
            : `✗ ${what}: ${redact(result.error ?? "failed")} (${result.durationMs} ms)`,
        ));
      }
    }
    return results.every((r) => r.result.ok) ? 0 : 1;
  },
});

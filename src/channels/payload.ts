/**
 * What each channel type sends for a notice, as data (no I/O): the generic webhook posts the
 * notice itself (with `Idempotency-Key` and an optional HMAC signature), Slack an incoming-webhook
 * message, Discord a message with mentions disabled, Teams an Adaptive Card, ntfy the text with
 * `Title`/`Priority`/`Tags` headers. Pane text is untrusted: it is cleaned and shortened, and
 * markup characters are escaped where the receiver would read them.
 *
 * @module
 */

import { createHmac } from "node:crypto";
import type { Channel, Notice } from "./types.ts";

/** One HTTP request to make. */
export interface HttpRequest {
  /** Where. */
  url: string;
  /** Headers. */
  headers: Record<string, string>;
  /** The body. */
  body: string;
}

/** The `User-Agent` of every request. */
export const USER_AGENT = "tmux-orc";

/** `sha256=<hex HMAC-SHA256 of body with secret>`: the `X-Tmux-Orc-Signature` value. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The request a notice becomes on an HTTP channel. */
export function buildRequest(channel: Channel, notice: Notice): HttpRequest {
  const url = channel.url ?? "";
  const json = { "Content-Type": "application/json", "User-Agent": USER_AGENT };
  switch (channel.type) {
    case "webhook": {
      const body = JSON.stringify(notice);
      const headers: Record<string, string> = { ...json, "Idempotency-Key": notice.id };
      if (channel.token) headers.Authorization = `Bearer ${channel.token}`;
      if (channel.secret) headers["X-Tmux-Orc-Signature"] = signBody(body, channel.secret);
      return { url, headers, body };
    }
    case "slack":
      return { url, headers: json, body: JSON.stringify(slackMessage(notice)) };
    case "discord":
      return {
        url,
        headers: json,
        body: JSON.stringify({
          content: shorten(discordEscape(notice.text), 1900),
          allowed_mentions: { parse: [] },
        }),
      };
    case "teams":
      return { url, headers: json, body: JSON.stringify(teamsCard(notice)) };
    case "ntfy": {
      const headers: Record<string, string> = {
        "User-Agent": USER_AGENT,
        "Content-Type": "text/plain; charset=utf-8",
        Title: asciiHeader(title(notice)),
        Priority: channel.priority ?? ntfyPriority(notice),
        Tags: ntfyTags(notice),
      };
      if (channel.token) headers.Authorization = `Bearer ${channel.token}`;
      return { url, headers, body: notice.text };
    }
    default:
      throw new Error(`Channel type ${channel.type} sends no HTTP request`);
  }
}

/** `tmux-orc: backend waits on a prompt` (for titles). */
export function title(notice: Notice): string {
  if (notice.event === "digest") return `tmux-orc: ${notice.agent} need a human`;
  const what = notice.event === "resolved"
    ? `is no longer ${label(notice.state)}`
    : notice.event === "test"
    ? "test notice"
    : `is ${label(notice.state)}`;
  return `tmux-orc: ${notice.agent} ${what}`;
}

/** A state as people say it. */
export function label(state: string): string {
  return state === "rate_limited"
    ? "rate-limited"
    : state === "stuck_input"
    ? "stuck with unsent input"
    : state === "waiting"
    ? "waiting on a prompt"
    : state;
}

function slackMessage(notice: Notice): Record<string, unknown> {
  const text = slackEscape(notice.text);
  const context = [
    `host ${notice.host}`,
    `pane ${notice.pane_id}`,
    `session ${notice.session}`,
    `since ${notice.since}`,
    `id ${notice.id}`,
  ].map(slackEscape).join(" · ");
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: shorten(text, 2900) } },
      { type: "context", elements: [{ type: "mrkdwn", text: shorten(context, 2900) }] },
    ],
  };
}

function teamsCard(notice: Notice): Record<string, unknown> {
  const fact = (t: string, v: string) => ({ title: t, value: v });
  return {
    type: "message",
    attachments: [{
      contentType: "application/vnd.microsoft.card.adaptive",
      content: {
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.4",
        body: [
          { type: "TextBlock", text: title(notice), weight: "Bolder", size: "Medium", wrap: true },
          { type: "TextBlock", text: notice.text, wrap: true },
          {
            type: "FactSet",
            facts: [
              fact("Host", notice.host),
              fact("Pane", notice.pane_id),
              fact("Session", notice.session),
              fact("State", notice.state),
              fact("Since", notice.since),
              fact("Id", notice.id),
            ],
          },
        ],
      },
    }],
  };
}

function ntfyPriority(notice: Notice): string {
  if (notice.event === "resolved" || notice.event === "test") return "default";
  const urgent = (n: { state: string; event: string }) =>
    n.state === "crashed" || n.state === "error" || n.event === "escalation";
  return urgent(notice) || (notice.items ?? []).some(urgent) ? "high" : "default";
}

function ntfyTags(notice: Notice): string {
  if (notice.event === "resolved") return "white_check_mark";
  if (notice.event === "test") return "test_tube";
  const alarm = (n: { state: string }) => n.state === "crashed" || n.state === "error";
  return alarm(notice) || (notice.items ?? []).some(alarm) ? "rotating_light" : "warning";
}

/** Slack mrkdwn: `&`, `<`, `>` escaped (no links or mentions from pane text). */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Discord markdown characters escaped. */
function discordEscape(text: string): string {
  return text.replace(/([\\*_~`|>\[\]])/g, "\\$1");
}

/** Header values must be ASCII without control characters. */
function asciiHeader(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * `[[channels]]` tables: validated one by one, every problem one line naming the file, line and
 * key (through `LoadedConfig.errorAt`), URLs and tokens resolved through `resolveSecret` (so they
 * are redacted everywhere). An unknown key is an error: a misspelt `escalate_after` must not
 * silently mean "never escalate".
 *
 * @module
 */

import { AGENT_STATES, type AgentState } from "../agents/types.ts";
import { parseDuration } from "../store/duration.ts";
import { type LoadedConfig, resolveSecret } from "../config/mod.ts";
import { globToRegExp } from "./glob.ts";
import {
  type Channel,
  CHANNEL_TYPES,
  type ChannelType,
  DEFAULT_ESCALATION_STATES,
  DEFAULT_HUMAN_STATES,
  type RetryPolicy,
} from "./types.ts";

/** Defaults of every channel. */
export const CHANNEL_DEFAULTS = {
  timeoutMs: 10_000,
  maxTries: 10,
  backoffMs: 5_000,
  backoffMaxMs: 900_000,
  digestOver: 5,
} as const;

const COMMON_KEYS = [
  "type",
  "name",
  "enabled",
  "states",
  "agents",
  "sessions",
  "min_duration",
  "escalate_after",
  "resolved",
  "timeout",
  "max_tries",
  "backoff",
  "backoff_max",
  "digest_over",
];

/** The keys each type takes besides the common ones. */
const TYPE_KEYS: Readonly<Record<ChannelType, readonly string[]>> = {
  webhook: ["url", "token", "secret"],
  slack: ["url"],
  discord: ["url"],
  teams: ["url"],
  ntfy: ["url", "token", "priority"],
  exec: ["command"],
  pm: [],
};

/** The keys a `pm` table takes: it only filters and switches today's PM messages. */
const PM_KEYS = ["type", "name", "enabled", "states", "agents", "sessions"];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NTFY_PRIORITIES = ["1", "2", "3", "4", "5", "min", "low", "default", "high", "urgent", "max"];

type Path = (string | number)[];

/** Reads and checks one table's values. */
class TableReader {
  readonly #config: LoadedConfig;
  readonly #table: Record<string, unknown>;
  readonly #at: Path;

  constructor(config: LoadedConfig, table: Record<string, unknown>, at: Path) {
    this.#config = config;
    this.#table = table;
    this.#at = at;
  }

  fail(key: string | undefined, problem: string): Error {
    return this.#config.errorAt(key === undefined ? this.#at : [...this.#at, key], problem);
  }

  has(key: string): boolean {
    return this.#table[key] !== undefined;
  }

  string(key: string): string | undefined {
    const value = this.#table[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "") throw this.fail(key, "expected a string");
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#table[key];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") throw this.fail(key, "expected true or false");
    return value;
  }

  strings(key: string): string[] | undefined {
    const value = this.#table[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
      throw this.fail(key, "expected a list of strings");
    }
    return value as string[];
  }

  /** Seconds as a number (like the `[monitor]` options), or a string such as "90s" or "10m". */
  duration(key: string): number | undefined {
    const value = this.#table[key];
    if (value === undefined) return undefined;
    const hint = 'expected seconds or a duration such as "90s", "10m" or "1h"';
    if (typeof value === "number" || typeof value === "bigint") {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > 30 * 86_400) {
        throw this.fail(key, `${hint}, from 0 to 30 days`);
      }
      return Math.round(seconds * 1000);
    }
    if (typeof value !== "string") throw this.fail(key, hint);
    try {
      return parseDuration(value);
    } catch (error) {
      throw this.fail(key, (error as Error).message.replace(/^Cannot parse duration: /, ""));
    }
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.#table[key];
    if (value === undefined) return undefined;
    const n = typeof value === "bigint" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      throw this.fail(key, `expected a whole number from ${min} to ${max}`);
    }
    return n;
  }

  /** A secret-capable string (`env:NAME`, `file:/path` or literal), resolved. */
  async secret(key: string): Promise<string | undefined> {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    return await resolveSecret(raw, { config: this.#config, keyPath: [...this.#at, key] });
  }

  checkKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.#table)) {
      if (!allowed.includes(key)) {
        throw this.fail(key, `unknown key (this channel type takes: ${allowed.join(", ")})`);
      }
    }
  }
}

/**
 * Validates the `[[channels]]` tables of a loaded config, resolving their secrets. A `pm` channel
 * (today's PM messages) is always in the result: the configured one, else an enabled default.
 *
 * @throws {ConfigError} The first problem, as one line with the file, line and key.
 */
export function parseChannels(config: LoadedConfig): Promise<Channel[]> {
  // A command checks the file before it runs and then uses the channels: their secrets (env
  // lookups, file reads) are resolved once per loaded file.
  let parsed = parsedChannels.get(config);
  if (!parsed) parsedChannels.set(config, parsed = parseChannelsOnce(config));
  return parsed;
}

const parsedChannels = new WeakMap<LoadedConfig, Promise<Channel[]>>();

async function parseChannelsOnce(config: LoadedConfig): Promise<Channel[]> {
  const raw = config.data.channels;
  if (raw === undefined) return [defaultPmChannel()];
  if (!Array.isArray(raw)) {
    throw config.errorAt(["channels"], "expected [[channels]] tables");
  }
  const channels: Channel[] = [];
  for (const [index, table] of raw.entries()) {
    if (typeof table !== "object" || table === null || Array.isArray(table)) {
      throw config.errorAt(["channels", index], "expected a table");
    }
    const channel = await parseChannel(new TableReader(config, table, ["channels", index]));
    const clash = channels.find((c) => c.name === channel.name);
    if (clash) {
      throw config.errorAt(
        ["channels", index, "name"],
        `another channel is named "${channel.name}" (give each a distinct name)`,
      );
    }
    if (channel.type === "pm" && channels.some((c) => c.type === "pm")) {
      throw config.errorAt(["channels", index, "type"], "only one pm channel may be configured");
    }
    channels.push(channel);
  }
  if (!channels.some((c) => c.type === "pm")) channels.push(defaultPmChannel());
  return channels;
}

/** The PM channel when the config names none: today's behaviour, every state. */
export function defaultPmChannel(): Channel {
  return {
    name: "pm",
    type: "pm",
    enabled: true,
    filter: { states: new Set(AGENT_STATES), agents: [], sessions: [] },
    minDurationMs: 0,
    resolved: false,
    timeoutMs: CHANNEL_DEFAULTS.timeoutMs,
    retry: {
      maxTries: CHANNEL_DEFAULTS.maxTries,
      backoffMs: CHANNEL_DEFAULTS.backoffMs,
      backoffMaxMs: CHANNEL_DEFAULTS.backoffMaxMs,
    },
    digestOver: 0,
  };
}

async function parseChannel(t: TableReader): Promise<Channel> {
  const typeText = t.string("type");
  if (typeText === undefined) throw t.fail("type", `missing (one of ${CHANNEL_TYPES.join(", ")})`);
  if (!(CHANNEL_TYPES as readonly string[]).includes(typeText)) {
    throw t.fail("type", `unknown channel type "${typeText}" (one of ${CHANNEL_TYPES.join(", ")})`);
  }
  const type = typeText as ChannelType;
  t.checkKeys(type === "pm" ? PM_KEYS : [...COMMON_KEYS, ...TYPE_KEYS[type]]);
  const name = t.string("name") ?? type;
  if (!NAME.test(name)) {
    throw t.fail("name", "expected letters, digits, '.', '_' or '-' (at most 64)");
  }
  const channel: Channel = {
    ...defaultPmChannel(),
    name,
    type,
    enabled: t.boolean("enabled", true),
    filter: {
      states: readStates(
        t,
        type === "pm"
          ? AGENT_STATES
          : t.has("escalate_after")
          ? DEFAULT_ESCALATION_STATES
          : DEFAULT_HUMAN_STATES,
      ),
      agents: (t.strings("agents") ?? []).map(globToRegExp),
      sessions: (t.strings("sessions") ?? []).map(globToRegExp),
    },
    minDurationMs: t.duration("min_duration") ?? 0,
    resolved: t.boolean("resolved", type !== "pm"),
    timeoutMs: t.duration("timeout") ?? CHANNEL_DEFAULTS.timeoutMs,
    retry: readRetry(t),
    digestOver: t.integer("digest_over", 0, 10_000) ??
      (type === "webhook" || type === "exec" || type === "pm" ? 0 : CHANNEL_DEFAULTS.digestOver),
  };
  if (channel.timeoutMs < 100 || channel.timeoutMs > 300_000) {
    throw t.fail("timeout", "expected from 100ms to 5m");
  }
  const escalate = t.duration("escalate_after");
  if (escalate !== undefined) channel.escalateAfterMs = escalate;
  if (type === "pm") return channel;
  if (type === "exec") {
    const command = t.strings("command");
    if (command === undefined || command.length === 0) {
      throw t.fail("command", 'missing: the program and its arguments, e.g. ["/usr/bin/notify"]');
    }
    channel.command = command;
    return channel;
  }
  if (!t.has("url")) throw t.fail("url", `missing: the ${type} URL`);
  const url = (await t.secret("url"))!;
  if (!isHttpUrl(url)) throw t.fail("url", "expected an http:// or https:// URL");
  channel.url = url;
  const token = await t.secret("token");
  if (token !== undefined) channel.token = token;
  const secret = await t.secret("secret");
  if (secret !== undefined) channel.secret = secret;
  const priority = t.string("priority");
  if (priority !== undefined) {
    if (!NTFY_PRIORITIES.includes(priority)) {
      throw t.fail("priority", `expected one of ${NTFY_PRIORITIES.join(", ")}`);
    }
    channel.priority = priority;
  }
  return channel;
}

function readStates(t: TableReader, fallback: readonly AgentState[]): Set<AgentState> {
  const states = t.strings("states");
  if (states === undefined) return new Set(fallback);
  for (const state of states) {
    if (!(AGENT_STATES as readonly string[]).includes(state)) {
      throw t.fail("states", `unknown state "${state}" (states: ${AGENT_STATES.join(", ")})`);
    }
  }
  return new Set(states as AgentState[]);
}

function readRetry(t: TableReader): RetryPolicy {
  const retry: RetryPolicy = {
    maxTries: t.integer("max_tries", 1, 1000) ?? CHANNEL_DEFAULTS.maxTries,
    backoffMs: t.duration("backoff") ?? CHANNEL_DEFAULTS.backoffMs,
    backoffMaxMs: t.duration("backoff_max") ?? CHANNEL_DEFAULTS.backoffMaxMs,
  };
  if (retry.backoffMs <= 0) throw t.fail("backoff", "expected more than 0s");
  if (retry.backoffMaxMs < retry.backoffMs) {
    throw t.fail("backoff_max", "expected at least as long as backoff");
  }
  return retry;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

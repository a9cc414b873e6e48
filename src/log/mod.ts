/**
 * Logging: structured, one line per event. JSON lines in a rotating file under
 * `<state-dir>/logs/` (daemon and foreground), and readable lines on stderr in the foreground.
 *
 * Built on LogTape (`@logtape/logtape`) for loggers and formatters; the rotating file sink is our
 * own (`file_sink.ts`), because it must never write through a planted symlink.
 *
 * @module
 */

import {
  configure,
  dispose,
  getLogger,
  getTextFormatter,
  type Logger,
  type LogLevel,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";
import { rotatingFileSink } from "./file_sink.ts";
import { join } from "node:path";
import { safeJson as escapedJson, safeText } from "../util/safe_text.ts";
import { redactDeep } from "../config/redact.ts";

export type { Logger } from "@logtape/logtape";

/** How a background daemon's start-up refusal begins in the log (see `read.ts`). */
export const START_REFUSAL = "Refused to start: ";

/** Largest log file before it is rotated (bytes). */
export const LOG_MAX_BYTES = 5 * 1024 * 1024;
/** How many log files (current plus rotated) are kept per process kind. */
export const LOG_MAX_FILES = 5;

/** Options for {@linkcode setupLogging}. */
export interface LoggingOptions {
  /** Log directory; when set, JSON lines go to `<logDir>/<name>.jsonl` with rotation. */
  logDir?: string;
  /** File base name: `supervisor` or `monitor`. */
  name: string;
  /** Lowest level written to stderr, or `false` for no stderr output (daemon mode). */
  stderrLevel: LogLevel | false;
  /** Lowest level written to the file. Defaults to `info`. */
  fileLevel?: LogLevel;
}

const encoder = new TextEncoder();

function renderMessage(record: LogRecord): string {
  return record.message
    .map((part, i) => (i % 2 === 0 || typeof part === "string" ? String(part) : safeJson(part)))
    .join("");
}

/** JSON with every character a terminal would act on escaped (see {@linkcode escapedJson}). */
function safeJson(value: unknown): string {
  try {
    return value === undefined ? "undefined" : escapedJson(value);
  } catch {
    return safeText(String(value));
  }
}

/** One JSON object per line: time, level, logger, the rendered message, and its properties. */
export function jsonLineFormatter(record: LogRecord): string {
  return safeJson({
    "@timestamp": new Date(record.timestamp).toISOString(),
    level: record.level.toUpperCase(),
    logger: record.category.join("."),
    message: renderMessage(record),
    properties: record.properties,
  }) + "\n";
}

const stderrFormatter = getTextFormatter({
  timestamp: "time",
  level: "ABBR",
  category: (c) => c.slice(1).join("."),
  value: (v, inspect) => typeof v === "string" ? v : inspect(v, { colors: false }),
});

function stderrSink(record: LogRecord): void {
  try {
    Deno.stderr.writeSync(encoder.encode(safeText(stderrFormatter(record), { keepLines: true })));
  } catch {
    // stderr is gone (terminal closed): the file sink still has the record.
  }
}

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warning", "error", "fatal"];

/**
 * The record with every secret this process resolved (and URL credentials) redacted in its
 * message parts and properties (see `config/redact.ts`), before any sink formats it.
 */
export function redactRecord(record: LogRecord): LogRecord {
  return {
    ...record,
    message: record.message.map((part) => redactDeep(part)),
    properties: redactDeep(record.properties) as Record<string, unknown>,
  };
}

/** A sink that gets the records from `level` up, redacted. */
function atLeast(sink: Sink, level: LogLevel): Sink {
  const min = LEVELS.indexOf(level);
  const filtered: Sink & Partial<Disposable> = (record) => {
    if (LEVELS.indexOf(record.level) >= min) sink(redactRecord(record));
  };
  // Keep the wrapped sink's dispose, so shutdown flushes and closes the file.
  const disposable = sink as Sink & Partial<Disposable>;
  if (disposable[Symbol.dispose]) filtered[Symbol.dispose] = () => disposable[Symbol.dispose]!();
  return filtered;
}

/** The path of a process kind's current log file. */
export function logFilePath(logDir: string, name: string): string {
  return join(logDir, `${name}.jsonl`);
}

/** Configures LogTape for this process. Safe to call again (reconfigures). */
export async function setupLogging(options: LoggingOptions): Promise<void> {
  const sinks: Record<string, Sink> = {};
  const used: string[] = [];
  if (options.logDir) {
    const path = logFilePath(options.logDir, options.name);
    sinks.file = atLeast(
      rotatingFileSink(path, {
        maxBytes: LOG_MAX_BYTES,
        maxFiles: LOG_MAX_FILES,
        formatter: jsonLineFormatter,
        onError: (message) => {
          try {
            Deno.stderr.writeSync(encoder.encode(`tmux-orc: ${safeText(message)}\n`));
          } catch { /* nowhere to report */ }
        },
      }),
      options.fileLevel ?? "info",
    );
    used.push("file");
  }
  if (options.stderrLevel !== false) {
    sinks.stderr = atLeast(stderrSink, options.stderrLevel);
    used.push("stderr");
  }
  await configure({
    reset: true,
    sinks,
    loggers: [
      { category: ["tmux-orc"], lowestLevel: "debug", sinks: used },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: used },
    ],
  });
}

/** Flushes and closes every sink (call before exit). */
export async function shutdownLogging(): Promise<void> {
  try {
    await dispose();
  } catch {
    await reset().catch(() => {});
  }
}

/** A logger for one part of the program, e.g. `log("supervisor")`. */
export function log(category: string): Logger {
  return getLogger(["tmux-orc", category]);
}

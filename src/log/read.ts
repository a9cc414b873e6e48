/**
 * Reading the JSON-lines logs back for `monitor logs`: the last N lines of several files merged by
 * time, and following them as they grow (surviving rotation).
 *
 * @module
 */

import { sleep } from "../util/clock.ts";
import { safeJsonLine, safeText } from "../util/safe_text.ts";
import { START_REFUSAL } from "./mod.ts";

interface JsonRecord {
  "@timestamp"?: string;
  level?: string;
  message?: string;
  logger?: string;
  properties?: Record<string, unknown>;
}

/**
 * Formats one JSON log line for people (lines that are not JSON are shown as they are); anything a
 * terminal would act on is shown visibly.
 */
export function formatLogLine(line: string): string {
  let record: JsonRecord;
  try {
    record = JSON.parse(line);
  } catch {
    return safeText(line);
  }
  if (record === null || typeof record !== "object") return safeText(line);
  const who = String(record.logger ?? "").replace(/^tmux-orc\./, "");
  return safeText(
    `${record["@timestamp"] ?? "?"} ${String(record.level ?? "?").padEnd(7)} ${who}: ${
      record.message ?? ""
    }`,
  );
}

/** One log line as `monitor logs --json` prints it: unsafe characters escaped as `\uXXXX`. */
function jsonLine(line: string): string {
  return safeJsonLine(line);
}

function timestampOf(line: string): string {
  const match = line.match(/"@timestamp":"([^"]+)"/);
  return match ? match[1] : "";
}

async function readLines(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim() !== "");
  } catch {
    return [];
  }
}

/** The last `lines` lines of the given log files (current and the newest rotated one), merged. */
export async function readLastLogLines(
  files: readonly string[],
  options: { lines: number; json?: boolean },
): Promise<string[]> {
  const all: string[] = [];
  for (const file of files) {
    all.push(...await readLines(`${file}.1`), ...await readLines(file));
  }
  const sorted = all
    .map((line, i) => ({ line, i, ts: timestampOf(line) }))
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.i - b.i))
    .map((e) => e.line);
  const last = options.lines === 0 ? [] : sorted.slice(-options.lines);
  return last.map(options.json ? jsonLine : formatLogLine);
}

/** Prints lines appended to the files until `signal` aborts; a file that shrinks is read again. */
export async function followLogs(
  files: readonly string[],
  options: { json?: boolean; signal: AbortSignal; onLine: (line: string) => void },
): Promise<void> {
  const offsets = new Map<string, number>();
  for (const file of files) {
    offsets.set(file, await Deno.stat(file).then((s) => s.size, () => 0));
  }
  const decoder = new TextDecoder();
  const partial = new Map<string, string>();
  while (!options.signal.aborted) {
    await sleep(250, options.signal);
    for (const file of files) {
      let size: number;
      try {
        size = (await Deno.stat(file)).size;
      } catch {
        continue;
      }
      let offset = offsets.get(file) ?? 0;
      if (size < offset) offset = 0; // rotated
      if (size === offset) continue;
      const fh = await Deno.open(file, { read: true });
      try {
        await fh.seek(offset, Deno.SeekMode.Start);
        const buf = new Uint8Array(size - offset);
        let read = 0;
        while (read < buf.length) {
          const n = await fh.read(buf.subarray(read));
          if (n === null) break;
          read += n;
        }
        offsets.set(file, offset + read);
        const text = (partial.get(file) ?? "") + decoder.decode(buf.subarray(0, read));
        const parts = text.split("\n");
        partial.set(file, parts.pop() ?? "");
        for (const line of parts) {
          if (line.trim()) options.onLine(options.json ? jsonLine(line) : formatLogLine(line));
        }
      } finally {
        fh.close();
      }
    }
  }
}

/** Why the daemon with `pid` refused to start, from its last log lines; `undefined` if unknown. */
export async function findStartRefusal(
  files: readonly string[],
  pid: number,
): Promise<string | undefined> {
  for (const file of files) {
    for (const line of (await readLines(file)).slice(-50).reverse()) {
      try {
        const record = JSON.parse(line) as JsonRecord;
        const reason = record.properties?.reason;
        if (
          record.properties?.pid === pid && typeof reason === "string" &&
          record.message?.startsWith(START_REFUSAL)
        ) return reason;
      } catch { /* not a JSON line */ }
    }
  }
  return undefined;
}

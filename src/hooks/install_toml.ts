/**
 * The Codex `notify` line in `config.toml`, edited in place: the user's comments, order and
 * formatting stay as they are (a parse-and-reprint would drop every comment). The edit is small
 * and checked: the file is parsed with smol-toml before and after, and the result must differ
 * from the original in `notify` alone, or nothing is written.
 *
 * @module
 */

import { parse } from "smol-toml";
import { isDeepStrictEqual } from "node:util";
import { codexNotify, codexNotifyLine, isOurArgv } from "./install.ts";

/** What editing the file found. */
export type NotifyEdit =
  | { status: "changed"; text: string }
  | { status: "unchanged" }
  | { status: "foreign"; notify: unknown };

function parseToml(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new Error(`${what} is not valid TOML: ${first}`);
  }
}

/** Where the top-level `notify = …` sits: `[start, end)` in `text`, whole lines. */
export function findNotifySpan(text: string): [number, number] | undefined {
  const header = /^[ \t]*\[/m.exec(text);
  const top = header ? header.index : text.length;
  const key = /^[ \t]*notify[ \t]*=/m.exec(text.slice(0, top));
  if (!key) return undefined;
  let i = key.index + key[0].length;
  let depth = 0;
  let quote: string | undefined;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (quote === '"' && ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      if (depth === 0) break;
    } else if (ch === "[") depth++;
    else if (ch === "]") {
      depth--;
      if (depth === 0) {
        i++;
        break;
      }
    } else if (ch === "\n" && depth === 0) break;
  }
  const lineEnd = text.indexOf("\n", i);
  return [key.index, lineEnd < 0 ? text.length : lineEnd + 1];
}

function withoutNotify(data: Record<string, unknown>): Record<string, unknown> {
  const { notify: _, ...rest } = data;
  return rest;
}

/**
 * `text` (a `config.toml`) with our `notify` installed (`install`) or removed. `foreign`: a
 * `notify` that is not ours is there (never replaced, never removed). Throws when the file is not
 * valid TOML or the edit would change anything else.
 */
export function editCodexNotify(
  text: string,
  options: { self: readonly string[]; install: boolean; path: string },
): NotifyEdit {
  const before = parseToml(text, options.path);
  const current = before.notify;
  const ours = Array.isArray(current) && isOurArgv(current, "codex");
  if (current !== undefined && !ours) return { status: "foreign", notify: current };
  const wanted = options.install ? codexNotify(options.self) : undefined;
  if (isDeepStrictEqual(current, wanted)) return { status: "unchanged" };
  const line = `${codexNotifyLine(options.self)}\n`;
  let next: string;
  const span = findNotifySpan(text);
  if (span) {
    next = text.slice(0, span[0]) + (options.install ? line : "") + text.slice(span[1]);
  } else {
    const header = /^[ \t]*\[/m.exec(text);
    const at = header ? header.index : text.length;
    const head = text.slice(0, at);
    const sep = head === "" || head.endsWith("\n") ? "" : "\n";
    next = head + sep + line + (header ? "\n" : "") + text.slice(at);
  }
  const after = parseToml(next, `${options.path} (as edited)`);
  if (
    !isDeepStrictEqual(after.notify, wanted) ||
    !isDeepStrictEqual(withoutNotify(after), withoutNotify(before))
  ) {
    throw new Error(`${options.path}: cannot edit notify without touching anything else`);
  }
  return { status: "changed", text: next };
}

/**
 * Checks every section reader needs: a value is a table, its keys are known (an unknown key is an
 * error, with "did you mean" when a known key is close), a value has the expected TOML type.
 *
 * @module
 */

import type { LoadedConfig } from "./load.ts";
import type { KeyPath } from "./locate.ts";

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to `name` when it is close enough to be a typo (`idle-after` →
 * `idle_after`, `intreval` → `interval`), else `undefined`.
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll("-", "_");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = norm(candidate) === norm(name) ? 0 : distance(norm(name), norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** Whether `value` is a TOML table (not an array, not a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** How a TOML value is named in an error: `a string`, `an array`, `a table`. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  if (isTable(value)) return "a table";
  if (typeof value === "number" || typeof value === "bigint") {
    return Number.isInteger(Number(value)) ? "an integer" : "a number";
  }
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "string") return "a string";
  return "nothing";
}

/**
 * The table at `keyPath` (`undefined` when absent); throws the config error when the value is
 * not a table or has a key outside `known`.
 *
 * @example
 * ```ts
 * const monitor = tableAt(config, ["monitor"], ["interval", "idle_after"]);
 * ```
 */
export function tableAt(
  config: LoadedConfig,
  keyPath: KeyPath,
  known: readonly string[],
): Record<string, unknown> | undefined {
  let value: unknown = config.data;
  for (const part of keyPath) {
    if (value === undefined) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  if (value === undefined) return undefined;
  if (!isTable(value)) {
    throw config.errorAt(keyPath, `expected a table, got ${describeValue(value)}`);
  }
  checkKeys(config, keyPath, value, known);
  return value;
}

/** Throws the config error for the first key of `table` (at `keyPath`) not in `known`. */
export function checkKeys(
  config: LoadedConfig,
  keyPath: KeyPath,
  table: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(table)) {
    if (known.includes(key)) continue;
    const guess = didYouMean(key, known);
    throw config.errorAt(
      [...keyPath, key],
      `unknown key${guess ? ` (did you mean '${guess}'?)` : ""}`,
    );
  }
}

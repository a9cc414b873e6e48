/**
 * Validation of option values: durations in seconds (decimals allowed), counts, enumerations.
 *
 * @module
 */

import { shown, UsageError } from "../state/errors.ts";
import type { OptionValues } from "./spec.ts";

/** Bounds for a duration option. */
export interface SecondsBounds {
  /** Smallest accepted value (seconds, exclusive of 0 unless `allowZero`). */
  min?: number;
  /** Largest accepted value (seconds). */
  max?: number;
  /** Whether 0 is accepted. */
  allowZero?: boolean;
}

/** One week: longer durations are refused as absurd. */
export const MAX_SECONDS = 7 * 24 * 3600;

/** Parses a duration in seconds with bounds; throws {@linkcode UsageError}. */
export function parseSeconds(flag: string, raw: string, bounds: SecondsBounds = {}): number {
  const min = bounds.min ?? 0.01;
  const max = bounds.max ?? MAX_SECONDS;
  const text = raw.trim();
  const value = /^[0-9]*\.?[0-9]+$/.test(text) ? Number(text) : NaN;
  const ok = Number.isFinite(value) &&
    ((bounds.allowZero && value === 0) || (value >= min && value <= max));
  if (!ok) {
    throw new UsageError(
      `Invalid value for ${flag}: expected seconds from ${min} to ${max}, got '${
        shown(String(raw))
      }'`,
    );
  }
  return value;
}

/** Parses a whole number from `min` to `max`; throws {@linkcode UsageError}. */
export function parseCount(
  flag: string,
  raw: string,
  bounds: { min: number; max: number },
): number {
  const text = raw.trim();
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(
      `Invalid value for ${flag}: expected a whole number from ${bounds.min} to ${bounds.max}, got '${
        shown(raw)
      }'`,
    );
  }
  return value;
}

/** Parses a whole-number option with bounds, or returns `fallback` when absent. */
export function countOption(
  values: OptionValues,
  name: string,
  options: { min: number; max: number; fallback: number },
): number {
  const raw = values[name];
  if (raw === undefined) return options.fallback;
  return parseCount(`--${name}`, String(raw), options);
}

/** Returns a string option's value (or `undefined`). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === "string" ? raw : undefined;
}

/** Returns whether a boolean switch is on. */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

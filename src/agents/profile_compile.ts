/**
 * Profile validation and compilation: the built-ins and a user's `profiles.json` overrides
 * (`extends`, `...` to keep inherited items) checked field by field and compiled to regular
 * expressions, with a static backtracking check for user patterns.
 *
 * @module
 */

import type { AgentProfile, ProfileConfig, PromptStyle } from "./profile_types.ts";
import { BUILTIN_PROFILES } from "./profiles/builtin.ts";
import { unsafePatternReason } from "./pattern_safety.ts";
import { errorMessage } from "../state/errors.ts";

const PATTERN_FIELDS = [
  "processNamePatterns",
  "signature",
  "placeholders",
  "userEcho",
  "busy",
  "waiting",
  "rateLimit",
  "rateLimitWarning",
  "apiError",
  "volatile",
] as const;

const NUMBER_FIELDS = ["busyLookback", "latestOutputLines", "waitingLines"] as const;

/** Every field of a {@linkcode ProfileConfig}: the other fields, the patterns, the numbers. */
const PROFILE_FIELDS: readonly (keyof ProfileConfig)[] = [
  "description",
  "processNames",
  "wrapperProcessNames",
  "shells",
  "prompts",
  ...PATTERN_FIELDS,
  ...NUMBER_FIELDS,
];

/** Fields a profile may leave out (pattern lists that default to none). */
const OPTIONAL_PATTERN_FIELDS = ["busyTitle"] as const;

const KNOWN_FIELDS = new Set<string>([...PROFILE_FIELDS, ...OPTIONAL_PATTERN_FIELDS, "extends"]);

/** The marker that, as the first element of a list in an override, keeps the inherited items. */
export const SPREAD = "...";

class ProfileError extends Error {
  constructor(profile: string, message: string) {
    super(`Invalid profile "${profile}": ${message}`);
    this.name = "ProfileError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

let builtinSources: Set<string> | undefined;
/** Set only while {@linkcode loadProfiles} runs with `allowUnsafePatterns` (tests). */
let skipSafetyCheck = false;

/** Every pattern source of the built-in profiles (reviewed code, exempt from the safety check). */
function isBuiltinSource(source: string): boolean {
  if (!builtinSources) {
    const found = new Set<string>();
    const walk = (value: unknown): void => {
      if (typeof value === "string") found.add(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (isRecord(value)) Object.values(value).forEach(walk);
    };
    walk(BUILTIN_PROFILES);
    builtinSources = found;
  }
  return builtinSources.has(source);
}

function compilePattern(profile: string, path: string, spec: unknown): RegExp {
  let source: unknown;
  let flags: unknown = "i";
  if (typeof spec === "string") {
    source = spec;
  } else if (isRecord(spec)) {
    source = spec.source;
    if (spec.flags !== undefined) flags = spec.flags;
    for (const key of Object.keys(spec)) {
      if (key !== "source" && key !== "flags") {
        throw new ProfileError(profile, `${path} has an unknown field "${key}"`);
      }
    }
  } else {
    throw new ProfileError(profile, `${path} must be a string or { "source", "flags" }`);
  }
  if (typeof source !== "string" || source === "") {
    throw new ProfileError(profile, `${path} must have a non-empty regular expression source`);
  }
  if (typeof flags !== "string" || !/^[imsuv]*$/.test(flags)) {
    throw new ProfileError(
      profile,
      `${path} has unsupported flags: ${JSON.stringify(flags)} (allowed: i, m, s, u, v)`,
    );
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, flags);
  } catch (error) {
    const detail = errorMessage(error);
    throw new ProfileError(profile, `${path} is not a valid regular expression: ${detail}`);
  }
  const unsafe = skipSafetyCheck || isBuiltinSource(source)
    ? undefined
    : unsafePatternReason(source, flags);
  if (unsafe !== undefined) {
    throw new ProfileError(
      profile,
      `${path} could take exponential time on a line of pane output (${unsafe}): ` +
        JSON.stringify(source),
    );
  }
  return compiled;
}

function compilePatterns(profile: string, field: string, value: unknown): RegExp[] {
  if (!Array.isArray(value)) throw new ProfileError(profile, `${field} must be an array`);
  return value.map((spec, i) => compilePattern(profile, `${field}[${i}]`, spec));
}

function checkNames(profile: string, field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new ProfileError(profile, `${field} must be an array`);
  value.forEach((name, i) => {
    if (typeof name !== "string" || name === "") {
      throw new ProfileError(profile, `${field}[${i}] must be a non-empty string`);
    }
  });
  return value as string[];
}

function compilePrompt(profile: string, path: string, value: unknown): PromptStyle {
  if (!isRecord(value)) throw new ProfileError(profile, `${path} must be an object`);
  for (const key of Object.keys(value)) {
    if (!["name", "top", "first", "continuation", "bottom", "maxFooterLines"].includes(key)) {
      throw new ProfileError(profile, `${path} has an unknown field "${key}"`);
    }
  }
  if (typeof value.name !== "string" || value.name === "") {
    throw new ProfileError(profile, `${path}.name must be a non-empty string`);
  }
  if (value.first === undefined) throw new ProfileError(profile, `${path}.first is required`);
  const footer = value.maxFooterLines;
  if (typeof footer !== "number" || !Number.isInteger(footer) || footer < 0) {
    throw new ProfileError(profile, `${path}.maxFooterLines must be a non-negative integer`);
  }
  const optional = (key: "top" | "continuation" | "bottom") =>
    value[key] === undefined ? undefined : compilePattern(profile, `${path}.${key}`, value[key]);
  return {
    name: value.name,
    top: optional("top"),
    first: compilePattern(profile, `${path}.first`, value.first),
    continuation: optional("continuation"),
    bottom: optional("bottom"),
    maxFooterLines: footer,
  };
}

/**
 * Validates one profile given as data and compiles its patterns. Throws an `Error` with a one-line
 * message naming the profile and the field, e.g.
 * `Invalid profile "x": busy[2] is not a valid regular expression: ...`.
 */
export function compileProfile(name: string, config: unknown): AgentProfile {
  if (!isRecord(config)) throw new ProfileError(name, "must be a JSON object");
  for (const key of Object.keys(config)) {
    if (!KNOWN_FIELDS.has(key) || key === "extends") {
      throw new ProfileError(name, `unknown field "${key}"`);
    }
  }
  for (const key of PROFILE_FIELDS) {
    if (config[key] === undefined) {
      throw new ProfileError(name, `${key} is required`);
    }
  }
  if (typeof config.description !== "string") {
    throw new ProfileError(name, "description must be a string");
  }
  for (const field of NUMBER_FIELDS) {
    const n = config[field];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 1000) {
      throw new ProfileError(name, `${field} must be an integer from 1 to 1000`);
    }
  }
  if (!Array.isArray(config.prompts)) throw new ProfileError(name, "prompts must be an array");
  const patterns = Object.fromEntries(
    PATTERN_FIELDS.map((field) => [field, compilePatterns(name, field, config[field])]),
  ) as Record<typeof PATTERN_FIELDS[number], RegExp[]>;
  return {
    name,
    description: config.description,
    processNames: checkNames(name, "processNames", config.processNames),
    wrapperProcessNames: checkNames(name, "wrapperProcessNames", config.wrapperProcessNames),
    shells: checkNames(name, "shells", config.shells),
    prompts: config.prompts.map((p, i) => compilePrompt(name, `prompts[${i}]`, p)),
    ...patterns,
    busyTitle: config.busyTitle === undefined
      ? []
      : compilePatterns(name, "busyTitle", config.busyTitle),
    busyLookback: config.busyLookback as number,
    latestOutputLines: config.latestOutputLines as number,
    waitingLines: config.waitingLines as number,
  };
}

function mergeConfig(
  name: string,
  base: Record<string, unknown> | undefined,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(override)) {
    if (key === "extends") continue;
    if (!KNOWN_FIELDS.has(key)) throw new ProfileError(name, `unknown field "${key}"`);
    if (Array.isArray(value) && value[0] === SPREAD) {
      const inherited = merged[key];
      if (!Array.isArray(inherited)) {
        throw new ProfileError(
          name,
          `${key} starts with "${SPREAD}" but there is nothing to extend`,
        );
      }
      merged[key] = [...inherited, ...value.slice(1)];
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/**
 * Returns the profiles to use: the built-ins, with a user config merged over them. `overrides` is
 * the parsed JSON of `<state-dir>/profiles.json`: an object mapping profile names to (partial)
 * profiles.
 *
 * - A name that is a built-in changes that profile; each field given replaces the built-in one,
 *   except that a list whose first element is `"..."` keeps the built-in items and adds its own:
 *   `{ "claude": { "busy": ["...", "Brewing"] } }`.
 * - A new name is a new profile; `"extends": "claude"` starts it from a built-in (or an earlier
 *   profile), otherwise every field is required.
 *
 * Every pattern that is not a built-in one must pass `unsafePatternReason` (no catastrophic
 * backtracking on pane output); `allowUnsafePatterns` skips that check (for tests of the monitor's
 * detection deadline only).
 *
 * Throws a one-line `Error` such as
 * `Invalid profile "x": busy[2] is not a valid regular expression: ...` for bad input.
 */
export function loadProfiles(
  overrides?: unknown,
  options: { allowUnsafePatterns?: boolean } = {},
): Map<string, AgentProfile> {
  skipSafetyCheck = options.allowUnsafePatterns === true;
  try {
    return loadChecked(overrides);
  } finally {
    skipSafetyCheck = false;
  }
}

function loadChecked(overrides: unknown): Map<string, AgentProfile> {
  const configs = new Map<string, Record<string, unknown>>();
  for (const [name, config] of Object.entries(BUILTIN_PROFILES)) {
    configs.set(name, structuredClone(config) as unknown as Record<string, unknown>);
  }
  if (overrides !== undefined && overrides !== null) {
    if (!isRecord(overrides)) {
      throw new Error(
        "Invalid profiles config: expected a JSON object mapping profile names to profiles",
      );
    }
    for (const [name, override] of Object.entries(overrides)) {
      if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) {
        throw new ProfileError(name, "the name must be letters, digits, '.', '_' or '-'");
      }
      if (!isRecord(override)) throw new ProfileError(name, "must be a JSON object");
      let base = configs.get(name);
      if (override.extends !== undefined) {
        if (typeof override.extends !== "string" || !configs.has(override.extends)) {
          throw new ProfileError(
            name,
            `extends names an unknown profile: ${JSON.stringify(override.extends)}`,
          );
        }
        base = configs.get(override.extends);
      }
      configs.set(name, mergeConfig(name, base, override));
    }
  }
  const profiles = new Map<string, AgentProfile>();
  for (const [name, config] of configs) profiles.set(name, compileProfile(name, config));
  return profiles;
}

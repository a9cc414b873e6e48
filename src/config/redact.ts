/**
 * Redaction: every secret this process resolved ({@linkcode registerSecret}) is replaced by
 * `[redacted]` wherever {@linkcode redact} is applied (log lines, error lines, command output,
 * events and status), and so are credentials any URL carries in its userinfo
 * (`https://user:pass@host`) or in a query parameter whose name says secret (`?token=…`).
 *
 * No imports: the log sink depends on this module, and it must not depend on anything that logs.
 *
 * @module
 */

/** What a secret is replaced with. */
export const REDACTED = "[redacted]";

/** Secrets shorter than this are not registered: replacing them would shred ordinary text. */
export const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
/** One pass over the text for all of them; longest first, so a secret containing another wins. */
let pattern: RegExp | undefined;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function add(text: string): void {
  if (text.length < MIN_SECRET_LENGTH || secrets.has(text)) return;
  secrets.add(text);
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  pattern = new RegExp(ordered.map(escapeRegExp).join("|"), "g");
}

/**
 * Registers a resolved secret for {@linkcode redact}: the value itself, its JSON-escaped form (as
 * it appears inside a JSON log line), and for a URL its password, path-and-query, and the URL
 * without a trailing slash, so a message quoting part of a webhook URL is caught too.
 */
export function registerSecret(secret: string): void {
  add(secret);
  add(JSON.stringify(secret).slice(1, -1));
  const trimmed = secret.trim();
  if (trimmed !== secret) add(trimmed);
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? new URL(trimmed) : undefined;
  } catch { /* not a URL */ }
  if (!url) return;
  if (url.password) add(decodeURIComponent(url.password));
  if (url.username && url.password) add(url.username + ":" + url.password);
  const rest = url.pathname + url.search;
  // A bare "/" or a short path ("/hook") is no secret; a webhook's token path is.
  if (rest.length >= 12) add(rest);
  add(url.href);
  if (url.href.endsWith("/")) add(url.href.slice(0, -1));
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

/** `scheme://user:pass@` → `scheme://[redacted]@`. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** `?token=…`, `&api_key=…`, `&sig=…`: the value of a parameter whose name says secret. */
const SECRET_PARAM =
  /([?&;](?:[\w.-]*(?:token|secret|passw(?:or)?d|pwd|key|sig|signature|auth|credential|session|code)[\w.-]*)=)[^&#\s"'<>]+/gi;

/**
 * `text` with every registered secret, URL userinfo and secret query value replaced by
 * `[redacted]`.
 *
 * @example
 * ```ts
 * registerSecret("s3cr3t-token");
 * redact("Authorization: Bearer s3cr3t-token"); // "Authorization: Bearer [redacted]"
 * redact("https://bob:pw@example.com/x?token=abc&q=1"); // "https://[redacted]@example.com/x?token=[redacted]&q=1"
 * ```
 */
export function redact(text: string): string {
  let out = pattern ? text.replace(pattern, REDACTED) : text;
  if (out.includes("://")) out = out.replace(USERINFO, `$1${REDACTED}@`);
  if (out.includes("=")) out = out.replace(SECRET_PARAM, `$1${REDACTED}`);
  return out;
}

/**
 * `value` with {@linkcode redact} applied to every string in it (arrays and plain objects are
 * copied, to a depth of 8; an error is copied with its message and stack redacted; anything else
 * is kept), for structured records such as log properties,
 * events and status, redacted before they are serialised so the JSON stays valid.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (depth >= 8 || typeof value !== "object" || value === null) return value;
  if (value instanceof Error) {
    // An error's message and stack quote what failed: a URL, a header, a command line.
    const message = redact(value.message);
    const stack = value.stack === undefined ? undefined : redact(value.stack);
    if (message === value.message && stack === value.stack) return value;
    const copy = new Error(message);
    copy.name = value.name;
    copy.stack = stack;
    return copy;
  }
  // Copied only where something changed: logging allocates nothing extra in the common case.
  if (Array.isArray(value)) {
    const items = value.map((v) => redactDeep(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  const entries = Object.entries(value);
  for (const [i, [k, v]] of entries.entries()) {
    const key = redact(k);
    const redacted = redactDeep(v, depth + 1);
    if (!out && (key !== k || redacted !== v)) {
      out = Object.fromEntries(entries.slice(0, i));
    }
    if (out) out[key] = redacted;
  }
  return out ?? value;
}

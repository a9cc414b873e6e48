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
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = [];

function add(text: string): void {
  if (text.length < MIN_SECRET_LENGTH || secrets.has(text)) return;
  secrets.add(text);
  ordered = [...secrets].sort((a, b) => b.length - a.length);
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
  ordered = [];
}

/** How many secrets are registered (their forms counted separately). */
export function secretCount(): number {
  return secrets.size;
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
  let out = text;
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (out.includes("://")) out = out.replace(USERINFO, `$1${REDACTED}@`);
  if (out.includes("=")) out = out.replace(SECRET_PARAM, `$1${REDACTED}`);
  return out;
}

/**
 * Secrets in the config file: a value is `env:NAME` (read from the environment), `file:/path`
 * (read from a file that must be a regular file, not a symlink, owned by you, mode 0600 or
 * stricter), or the secret itself (allowed; a warning when the config file is readable by group
 * or others). Every resolved secret is registered for {@linkcode redact}.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import { describeValue } from "./keys.ts";
import type { LoadedConfig } from "./load.ts";
import type { KeyPath } from "./locate.ts";
import { FileRefusal, readFileSafely } from "./read_safe.ts";
import { registerSecret } from "./redact.ts";

export { clearSecrets, redact, REDACTED, registerSecret } from "./redact.ts";

/** The largest `file:` secret read (bytes). */
export const MAX_SECRET_BYTES = 64 * 1024;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a secret value came from and how to point at it. */
export interface ResolveSecretOptions {
  /** The config file the value is in (for the error line and the mode warning). */
  config: LoadedConfig;
  /** The value's key, e.g. `["channels", 0, "url"]`. */
  keyPath: KeyPath;
  /** Environment for `env:`. @default Deno.env */
  env?: { get(name: string): string | undefined };
}

/**
 * The secret a config value names: `env:NAME`, `file:/path` (or `file:~/path`), or the literal
 * value. Throws the config's one-line error (never containing the secret) when it cannot be
 * resolved; registers the result for {@linkcode redact}.
 *
 * @example
 * ```ts
 * const url = await resolveSecret(channel.url, { config, keyPath: ["channels", 0, "url"] });
 * ```
 */
export async function resolveSecret(
  value: unknown,
  options: ResolveSecretOptions,
): Promise<string> {
  const { config, keyPath } = options;
  if (typeof value !== "string") {
    throw config.errorAt(
      keyPath,
      `expected text (env:NAME, file:/path or the secret itself), got ${describeValue(value)}`,
    );
  }
  let secret: string;
  if (value.startsWith("env:")) {
    const name = value.slice(4);
    if (!ENV_NAME.test(name)) {
      throw config.errorAt(keyPath, `expected env:NAME with a variable name, got 'env:${name}'`);
    }
    const found = (options.env ?? Deno.env).get(name);
    if (found === undefined || found === "") {
      throw config.errorAt(keyPath, `environment variable ${name} is not set`);
    }
    secret = found;
  } else if (value.startsWith("file:")) {
    secret = await readSecretFile(value.slice(5), options);
  } else {
    if (value.trim() === "") throw config.errorAt(keyPath, "empty secret");
    if (config.mode !== undefined && (config.mode & 0o044)) {
      config.warn(
        keyPath,
        "a secret written in a file others can read: use env:NAME or file:/path, or chmod 600 the config file",
      );
    }
    secret = value;
  }
  registerSecret(secret);
  return secret;
}

async function readSecretFile(raw: string, options: ResolveSecretOptions): Promise<string> {
  const { config, keyPath } = options;
  const home = (options.env ?? Deno.env).get("HOME");
  const path = raw.startsWith("~/") && home ? join(home, raw.slice(2)) : raw;
  if (!isAbsolute(path)) {
    throw config.errorAt(keyPath, `expected file: with an absolute path, got 'file:${raw}'`);
  }
  let text: string;
  try {
    ({ text } = await readFileSafely(path, {
      maxBytes: MAX_SECRET_BYTES,
      forbiddenModeBits: 0o077,
      fixMode: "chmod 600",
    }));
  } catch (error) {
    if (error instanceof FileRefusal) {
      throw config.errorAt(keyPath, `secret file ${path}: ${error.message}`);
    }
    throw error;
  }
  // One trailing newline (as `echo` writes) is not part of the secret.
  const secret = text.replace(/\r?\n$/, "");
  if (secret.trim() === "") throw config.errorAt(keyPath, `secret file ${path}: empty`);
  return secret;
}

/**
 * What the channels need from the config loader (`src/config/`, contract in the project brief):
 * the loaded file, one-line errors that name its line and key, secrets and redaction.
 *
 * TEMPORARY stand-in until `wt-config` is merged: same names and shapes as the contract.
 *
 * @module
 */

import { UserError } from "../state/errors.ts";

/** A config error: one line naming the file, line and key. */
export class ConfigError extends UserError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A loaded config file. */
export interface LoadedConfig {
  /** The file. */
  path: string;
  /** Its parsed contents. */
  data: Record<string, unknown>;
  /** `Bad config file PATH:LINE: KEY.PATH: problem`. */
  errorAt(keyPath: (string | number)[], problem: string): ConfigError;
}

const secrets = new Set<string>();

/** Replaces every resolved secret in `text` with `[redacted]`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join("[redacted]");
  }
  return out;
}

/** Resolves `env:NAME`, `file:/path` (0600 or stricter, no symlink) or a literal. */
export async function resolveSecret(
  value: string,
  options: { config: LoadedConfig; keyPath: (string | number)[] },
): Promise<string> {
  let secret = value;
  if (value.startsWith("env:")) {
    const name = value.slice(4);
    const found = Deno.env.get(name);
    if (found === undefined || found === "") {
      throw options.config.errorAt(options.keyPath, `environment variable ${name} is not set`);
    }
    secret = found;
  } else if (value.startsWith("file:")) {
    const path = value.slice(5);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch {
      throw options.config.errorAt(options.keyPath, `cannot read secret file ${path}`);
    }
    if (!info.isFile || ((info.mode ?? 0) & 0o077) !== 0) {
      throw options.config.errorAt(
        options.keyPath,
        `secret file ${path} must be a regular file with mode 0600 or stricter`,
      );
    }
    secret = (await Deno.readTextFile(path)).trim();
  }
  if (secret.length >= 4) secrets.add(secret);
  return secret;
}

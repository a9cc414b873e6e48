/**
 * The config file (`config.toml`): loading it safely, one-line errors that name the file, line and
 * key, secrets (`env:`, `file:`) and their redaction.
 *
 * @example
 * ```ts
 * import { loadConfig, resolveSecret } from "./config/mod.ts";
 *
 * const config = await loadConfig({ path: flags.config }); // undefined: no config file
 * if (config) {
 *   const url = await resolveSecret(config.data.url, { config, keyPath: ["url"] });
 * }
 * ```
 *
 * @module
 */

export { ConfigError, type ConfigErrorLocation } from "./errors.ts";
export {
  defaultConfigPath,
  loadConfig,
  type LoadConfigOptions,
  LoadedConfig,
  MAX_CONFIG_BYTES,
  parseConfigText,
} from "./load.ts";
export { formatKeyPath, type KeyPath } from "./locate.ts";
export { checkKeys, describeValue, didYouMean, isTable, tableAt } from "./keys.ts";
export { resolveSecret, type ResolveSecretOptions } from "./secrets.ts";
export { clearSecrets, redact, redactDeep, REDACTED, registerSecret } from "./redact.ts";

/**
 * How this program starts another copy of itself (the supervisor's monitor, `monitor start`'s
 * background daemon): the compiled binary re-executes itself; under `deno run` it is deno with the
 * same permission flags, config and main module.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS, V8_FLAGS_ARG } from "../permissions.ts";

/** What decides the self command (injectable for tests). */
export interface SelfExecEnv {
  /** `Deno.build.standalone`: running as a compiled binary. */
  standalone: boolean;
  /** `Deno.execPath()`. */
  execPath: string;
  /** `Deno.mainModule`. */
  mainModule: string;
  /** Whether a file exists (for finding deno.json beside the main module). */
  exists: (path: string) => boolean;
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The real environment of this process. */
export function currentSelfExecEnv(): SelfExecEnv {
  return {
    standalone: Deno.build.standalone,
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    exists: fileExists,
  };
}

/**
 * The argv prefix that runs this program again; append the CLI arguments to it.
 * Compiled: `[execPath]` (its V8 flags are built in). Under deno:
 * `[deno, "run", ...permissions, v8 flags, "--config", deno.json, main]`.
 */
export function selfCommand(env: SelfExecEnv = currentSelfExecEnv()): string[] {
  if (env.standalone) return [env.execPath];
  const main = env.mainModule.startsWith("file:") ? fileURLToPath(env.mainModule) : env.mainModule;
  const argv = [env.execPath, "run", "--no-prompt", ...PERMISSION_FLAGS, V8_FLAGS_ARG];
  if (env.mainModule.startsWith("file:")) {
    const config = join(dirname(main), "deno.json");
    if (env.exists(config)) argv.push("--config", config);
  }
  argv.push(main);
  return argv;
}

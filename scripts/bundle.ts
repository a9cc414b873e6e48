/**
 * `deno task bundle`: builds `dist/tmux-orc.js`, one JavaScript file that runs with
 * `deno run <permission flags> dist/tmux-orc.js …` (no download needed, unlike `deno compile`).
 * The commit is stamped in a staged copy of the sources; the working tree is left as it was.
 *
 * Usage: `deno task bundle [--output PATH]`
 *
 * @module
 */

import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import {
  buildCommit,
  BuildError,
  DENO,
  DIST,
  errorDetail,
  expectedVersionLine,
  run,
  runScript,
  stageSources,
} from "./build_common.ts";

/** The shebang that lets `./tmux-orc.js` run with exactly the program's permissions. */
export const BUNDLE_SHEBANG = `#!/usr/bin/env -S deno run --no-prompt ${
  PERMISSION_FLAGS.join(" ")
}`;

/** Bundles the staged sources into `output` and checks that it prints the stamped commit. */
export async function buildBundle(output: string, options: { commit: string }): Promise<void> {
  const stage = await stageSources(options.commit);
  try {
    await Deno.mkdir(resolve(output, ".."), { recursive: true });
    const result = await run([
      DENO,
      "bundle",
      "--platform",
      "deno",
      "--config",
      join(stage, "deno.json"),
      "--output",
      output,
      join(stage, "main.ts"),
    ], { cwd: stage });
    if (result.code !== 0) {
      throw new BuildError(
        `Cannot bundle: deno bundle failed: ${errorDetail(result.stderr)}`,
      );
    }
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
  const text = await Deno.readTextFile(output);
  await Deno.writeTextFile(output, `${BUNDLE_SHEBANG}\n${text.replace(/^#!.*\n/, "")}`);
  await Deno.chmod(output, 0o755);
  const check = await run([DENO, "run", "--no-prompt", ...PERMISSION_FLAGS, output, "--version"], {
    timeoutMs: 60_000,
  });
  if (check.code !== 0 || !check.stdout.startsWith(expectedVersionLine(options.commit))) {
    throw new BuildError(
      `Cannot bundle: the bundle does not run: --version printed ${
        JSON.stringify(check.stdout.split("\n")[0])
      }, stderr ${JSON.stringify(check.stderr.split("\n")[0])}`,
    );
  }
}

/** Parses the arguments and bundles. */
export async function bundleMain(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: { output: { type: "string" } } }).values;
  } catch (error) {
    throw new BuildError(`Invalid arguments: ${(error as Error).message.split("\n")[0]}`);
  }
  const output = resolve(values.output ?? join(DIST, "tmux-orc.js"));
  const commit = await buildCommit();
  await buildBundle(output, { commit });
  console.log(`✓ Built ${output} (commit ${commit})`);
  return 0;
}

if (import.meta.main) await runScript(() => bundleMain(Deno.args));

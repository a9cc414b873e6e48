/**
 * `deno task compile`: builds the standalone binary `dist/tmux-orc` with `deno compile`, embedding
 * exactly the program's permission flags and stamping the commit (in a staged copy of the sources;
 * the working tree is left as it was).
 *
 * Usage: `deno task compile [--target TARGET] [--output PATH] [--denort-dir DIR]`
 *
 * `deno compile` needs Deno's runtime (denort) for the target: it downloads it once into its cache.
 * Offline, set `DENORT_BIN` to a denort binary, or pass `--denort-dir` with `denort-<target>.zip`.
 *
 * @module
 */

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildCommit,
  BuildError,
  compileTarget,
  DIST,
  findRuntime,
  runScript,
  stageSources,
} from "./build_common.ts";
import { join } from "node:path";

/** Parses the arguments and builds. */
export async function compileMain(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        target: { type: "string" },
        output: { type: "string" },
        "denort-dir": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new BuildError(`Invalid arguments: ${(error as Error).message.split("\n")[0]}`);
  }
  const target = values.target ?? Deno.build.target;
  const output = resolve(values.output ?? join(DIST, "tmux-orc"));
  const runtime = await findRuntime(target, {
    denortDir: values["denort-dir"],
    allowPlain: true,
  });
  const commit = await buildCommit();
  const stage = await stageSources(commit);
  try {
    await compileTarget(stage, { output, target, commit, runtime });
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
  console.log(`✓ Built ${output} (${target}, commit ${commit})`);
  return 0;
}

if (import.meta.main) await runScript(() => compileMain(Deno.args));

/**
 * `deno run --allow-read scripts/check_version.ts TAG`: exits 0 when the release tag equals
 * `v` + deno.json's version (and the program's version agrees), else prints one line and exits 1.
 * Without TAG it reads `GITHUB_REF_NAME` (set by GitHub Actions).
 *
 * @module
 */

import { checkReleaseTag } from "../src/ship/release.ts";
import { VERSION } from "../src/version.ts";
import { BuildError, ROOT, runScript } from "./build_common.ts";

/** Checks `tag` against deno.json and src/version.ts. */
export async function checkVersionMain(args: readonly string[]): Promise<number> {
  const tag = args[0] ?? Deno.env.get("GITHUB_REF_NAME");
  if (!tag || args.length > 1) {
    throw new BuildError("Missing tag: usage check_version.ts TAG (or set GITHUB_REF_NAME)");
  }
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  if (typeof config.version !== "string") throw new BuildError("deno.json has no version");
  const problem = checkReleaseTag(tag, { config: config.version, program: VERSION });
  if (problem) throw new BuildError(problem);
  console.log(`✓ Tag ${tag} matches version ${config.version}`);
  return 0;
}

if (import.meta.main) await runScript(() => checkVersionMain(Deno.args));

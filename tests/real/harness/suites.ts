/**
 * The suites that exist: `tests/real/<cli>/suite.ts` exporting `SUITE`, for each pinned CLI.
 * Loaded dynamically so that a CLI's folder can be added without touching this file.
 *
 * @module
 */

import { REAL_CLIS, type RealCliName } from "./clis.ts";
import type { CliSuite } from "./scenario.ts";

/** Loads the suites of the named CLIs (default all) that have a `suite.ts`. */
export async function loadSuites(names?: readonly RealCliName[]): Promise<CliSuite[]> {
  const suites: CliSuite[] = [];
  for (const name of names ?? Object.keys(REAL_CLIS) as RealCliName[]) {
    const url = new URL(`../${name}/suite.ts`, import.meta.url);
    try {
      Deno.statSync(url);
    } catch {
      continue;
    }
    const module = await import(url.href) as { SUITE: CliSuite };
    suites.push(module.SUITE);
  }
  return suites;
}

/**
 * Installs the pinned real agent CLIs (Claude Code, Codex CLI, Gemini CLI) into the harness cache
 * (`deno task install-real-clis [NAME…]`), so that tests do not spend their time limits on npm.
 * Prints one line per CLI; exits 1 if any could not be installed.
 *
 * @module
 */

import { ensureRealCli, REAL_CLIS, type RealCliName } from "../tests/real/harness/clis.ts";

const names = (Deno.args.length > 0 ? Deno.args : Object.keys(REAL_CLIS)) as RealCliName[];
let failed = 0;
for (const name of names) {
  if (!(name in REAL_CLIS)) {
    console.error(`Unknown CLI: ${name} (known: ${Object.keys(REAL_CLIS).join(", ")})`);
    Deno.exit(2);
  }
  const started = performance.now();
  const result = await ensureRealCli(name);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if ("bin" in result) {
    console.log(`${name} ${result.version}: ${result.bin} (${seconds} s)`);
  } else {
    failed++;
    console.log(`${name}: NOT INSTALLED: ${result.skip}`);
  }
}
Deno.exit(failed > 0 ? 1 : 0);

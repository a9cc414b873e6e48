/**
 * tmux-orc: keeps AI coding agents in tmux working around the clock.
 *
 * @module
 */

import { main } from "./src/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

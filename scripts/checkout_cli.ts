/**
 * How the scripts (demo, soak) run the tmux-orc of this checkout: `main.ts` under the current
 * deno, with the program's own permission flags and `deno.json`, exactly as the supervisor
 * re-runs the program (whatever script is the main module).
 *
 * @module
 */

import { currentSelfExecEnv, selfCommand } from "../src/supervisor/self_exec.ts";

/** The argv prefix that runs this checkout's `main.ts`; append the CLI arguments to it. */
export function checkoutCommand(): string[] {
  return selfCommand({
    ...currentSelfExecEnv(),
    standalone: false,
    mainModule: new URL("../main.ts", import.meta.url).href,
  });
}

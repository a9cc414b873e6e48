/**
 * `deno task record-screens [--cli NAME…] [--only SCENARIO…]`: regenerates the golden screens from
 * the REAL CLIs. For each scenario of each suite (`tests/real/<cli>/suite.ts`): a private tmux
 * server, the CLI against its mock API, driven into the scenario's state, captured as the monitor
 * captures (`capture-pane -p -J`), written to
 * `tests/fixtures/screens/<profile>/<version>/<state>/<name>.txt` with a sidecar `<name>.json`
 * holding the pane facts and when and from what it was recorded.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ensureRealCli, REAL_CLIS, type RealCliName } from "../tests/real/harness/clis.ts";
import { RealServer } from "../tests/real/harness/pane.ts";
import { loadSuites } from "../tests/real/harness/suites.ts";

const SCREENS = new URL("../tests/fixtures/screens/", import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cli: { type: "string", multiple: true },
    only: { type: "string", multiple: true },
  },
  strict: true,
});
const names = (values.cli ?? Object.keys(REAL_CLIS)) as RealCliName[];
for (const name of names) {
  if (!(name in REAL_CLIS)) {
    console.error(`Unknown CLI: ${name} (known: ${Object.keys(REAL_CLIS).join(", ")})`);
    Deno.exit(2);
  }
}

let written = 0;
let failed = 0;
for (const suite of await loadSuites(names)) {
  const installed = await ensureRealCli(suite.cli);
  if (!("bin" in installed)) {
    console.log(`SKIP ${suite.cli}: ${installed.skip}`);
    failed++;
    continue;
  }
  for (const scenario of suite.scenarios) {
    if (values.only && !values.only.includes(scenario.name)) continue;
    const server = RealServer.create();
    try {
      const session = await suite.open(scenario, { server });
      try {
        await scenario.drive(session);
        const screen = await session.pane.capture();
        const facts = await session.pane.facts();
        const now = new Date().toISOString();
        const dir = new URL(`${suite.profile}/${suite.version}/${scenario.state}/`, SCREENS);
        await Deno.mkdir(dir, { recursive: true });
        await Deno.writeTextFile(new URL(`${scenario.name}.txt`, dir), screen);
        const pane: Record<string, unknown> = {
          currentCommand: facts.currentCommand,
          windowActivity: now,
        };
        if (facts.dead) {
          pane.dead = true;
          if (facts.deadStatus !== undefined) pane.deadStatus = facts.deadStatus;
        }
        const sidecar = {
          pane,
          wallNow: now,
          timeZone: "UTC",
          recorded: {
            cli: suite.cli,
            version: suite.version,
            variant: scenario.variant ?? null,
            width: facts.width,
            height: facts.height,
            at: now,
          },
        };
        await Deno.writeTextFile(
          new URL(`${scenario.name}.json`, dir),
          JSON.stringify(sidecar, null, 2) + "\n",
        );
        written++;
        console.log(`${suite.profile}/${suite.version}/${scenario.state}/${scenario.name}`);
      } finally {
        await session.close();
      }
    } catch (error) {
      failed++;
      const detail = error instanceof Error ? error.message : String(error);
      console.log(`FAILED ${suite.cli}/${scenario.name}: ${detail}`);
    } finally {
      await server.kill();
    }
  }
}
console.log(`${written} screens written, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);

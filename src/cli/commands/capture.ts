/**
 * `tmux-orc capture TARGET [--out FILE]`: save a pane's screen and facts as a golden-test
 * fixture (`FILE.txt` plus the sidecar `FILE.json`, see `src/agents/fixture.ts`), so a user can
 * report how a new CLI version draws a state in one command. Read-only towards the pane: one
 * `list-panes`, one `capture-pane`, nothing typed.
 *
 * @module
 */

import { detectState } from "../../agents/detect.ts";
import { fixtureSidecar, slug } from "../../agents/fixture.ts";
import { identifyProfile } from "../../agents/profiles.ts";
import { readProcessFacts } from "../../agents/process_facts.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { paneTarget } from "../../monitor/registry.ts";
import { writeFileAtomic } from "../../state/atomic.ts";
import { shown, UsageError, UserError } from "../../state/errors.ts";
import { safeText } from "../../util/safe_text.ts";
import { capturePane } from "../../tmux/commands.ts";
import { switchOption, text } from "../options.ts";
import { defineCommand } from "../spec.ts";
import { findPane, withTmux } from "./agent.ts";
import { openStoreForReading } from "./agents.ts";

/** `FILE`, `FILE.txt` or `FILE.json` → the pair of paths written. */
export function fixturePaths(out: string): { screen: string; sidecar: string } {
  const base = out.replace(/\.(?:txt|json)$/, "");
  if (base === "" || base.endsWith("/")) {
    throw new UsageError(`Invalid value for --out: expected a file name, got '${shown(out)}'`);
  }
  return { screen: `${base}.txt`, sidecar: `${base}.json` };
}

/** The state the monitor last recorded for a pane, if a monitor has watched it. */
function monitorState(database: string, paneId: string): string | undefined {
  let store;
  try {
    store = openStoreForReading(database);
  } catch {
    return undefined; // no readable history: the hint is left out
  }
  try {
    return store?.listAgents().find((a) => a.paneId === paneId && a.seen)?.state;
  } finally {
    store?.close();
  }
}

async function refuseExisting(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    try {
      await Deno.lstat(path);
    } catch {
      continue;
    }
    throw new UserError(`Refusing to overwrite ${shown(path)} (use --force)`);
  }
}

/** `capture`. */
export const captureCommand = defineCommand({
  path: ["capture"],
  summary: "Save a pane's screen and facts as a fixture for the golden tests",
  argsUsage: "TARGET",
  args: { min: 1, max: 1 },
  description:
    "TARGET is %N or session:window.pane. Writes FILE.txt (the screen, as capture-pane -p -J\n" +
    "gives it) and FILE.json (pane_current_command, size, identified profile, CLI version when\n" +
    "known, date, what detection sees, the state the monitor last recorded). Default FILE:\n" +
    "<profile>-<version>-<pane>-<time> here.\n" +
    "Copy the pair to tests/fixtures/screens/<profile>/<version>/<state>/ to make it a golden test.",
  options: {
    out: text({ flag: "out", valueName: "FILE", help: "Where to write (FILE.txt, FILE.json)" }),
    force: switchOption({ flag: "force", help: "Overwrite existing files" }),
  },
  async run(ctx, { out, force }) {
    const [target] = ctx.args;
    if (out !== undefined && out.trim() === "") {
      throw new UsageError("Invalid value for --out: expected non-empty text, got a blank one");
    }
    if (out !== undefined) fixturePaths(out); // a bad name fails before anything is read
    const paths = await ctx.statePaths({ create: false });
    const profiles = readProfilesFile(paths.profiles);
    const { pane, screen } = await withTmux(ctx.global.server, async (tmux) => {
      const pane = await findPane(tmux, target);
      const lines = await capturePane(tmux, pane.paneId);
      return { pane, screen: `${lines.join("\n").replace(/\n+$/, "")}\n` };
    });
    const nowMs = Date.now();
    const profile = identifyProfile(pane, { profiles, screen, width: pane.width });
    const observation = profile
      ? detectState({ pane, capture: screen, monoNow: 0, wallNow: nowMs, profile })
      : undefined;
    const sidecar = fixtureSidecar({
      pane,
      screen,
      profile,
      process: await readProcessFacts(pane.pid),
      observation,
      nowMs,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    const watched = monitorState(paths.database, pane.paneId);
    if (watched !== undefined) sidecar.monitorState = watched;
    const recorded = sidecar.recorded as { version: string | null };
    const version = recorded.version ?? "unknown-version";
    const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    const files = fixturePaths(
      out ?? `${slug(profile?.name ?? "unknown")}-${slug(version)}-${slug(pane.paneId)}-${stamp}`,
    );
    if (!force) await refuseExisting([files.screen, files.sidecar]);
    await writeFileAtomic(files.screen, screen);
    await writeFileAtomic(files.sidecar, `${JSON.stringify(sidecar, null, 2)}\n`);
    const what = profile ? `${profile.name} ${version}` : "no profile recognised";
    const seen = observation
      ? `; detection sees ${observation.state}${
        observation.recognised ? "" : " (screen not recognised)"
      }`
      : "";
    ctx.out(safeText(`Saved ${pane.paneId} (${paneTarget(pane)}, ${what}${seen})`));
    ctx.out(safeText(`  ${files.screen}`));
    ctx.out(safeText(`  ${files.sidecar}`));
    const folder = `${profile?.name ?? "<profile>"}/${version}/${watched ?? "<state>"}`;
    ctx.out(safeText(`As a golden test: tests/fixtures/screens/${folder}/`));
    return 0;
  },
});

/**
 * `carriedIdle` (`src/monitor/steady.ts`) against `detectState` on every recorded and hand-drawn
 * screen: wherever it answers, its observation is exactly detection's, cycle after cycle without
 * a capture, up to and past the carry limit; it answers for the idle and busy screens (so the cycle really
 * skips their round trip) and never for a changed command or title, a dead pane, a hook's
 * verdict (no key) or a fresh capture.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DEFAULT_IDLE_AFTER_MS,
  type DetectInput,
  type DetectOptions,
  detectState,
} from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";
import type { Observation } from "../../src/agents/types.ts";
import { carriedIdle, detectionKey } from "../../src/monitor/steady.ts";
import type { PaneRecord } from "../../src/tmux/types.ts";
import { paneRecord } from "../agents/helpers.ts";

const SCREENS = new URL("../fixtures/screens/", import.meta.url).pathname;
const PROFILES = loadProfiles();

interface Screen {
  id: string;
  profile: string;
  text: string;
  pane: Partial<PaneRecord>;
}

function loadScreens(dir: string, profile?: string, id = ""): Screen[] {
  const screens: Screen[] = [];
  for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      screens.push(...loadScreens(path, profile ?? entry.name, `${id}${entry.name}/`));
    } else if (entry.name.endsWith(".txt") && profile) {
      let pane: Partial<PaneRecord> = {};
      try {
        const sidecar = JSON.parse(Deno.readTextFileSync(path.replace(/\.txt$/, ".json")));
        const { windowActivity: _, ...rest } = sidecar.pane ?? {};
        pane = rest;
      } catch { /* no sidecar */ }
      screens.push({ id: id + entry.name, profile, text: Deno.readTextFileSync(path), pane });
    }
  }
  return screens;
}

const SCREEN_LIST = loadScreens(SCREENS);
const OPTIONS: DetectOptions = {
  idleAfterMs: DEFAULT_IDLE_AFTER_MS,
  unknownAfterMs: 60_000,
  maxCarryMs: 120_000,
};

Deno.test("carriedIdle: exactly detectState's observation wherever it answers, on every screen", () => {
  assert.ok(SCREEN_LIST.length >= 50, `only ${SCREEN_LIST.length} screens`);
  let answered = 0;
  const idleScreens = new Set<string>();
  const busyScreens = new Set<string>();
  for (const screen of SCREEN_LIST) {
    const profile = PROFILES.get(screen.profile)!;
    const pane = paneRecord({ currentCommand: profile.processNames[0], ...screen.pane });
    const mono0 = 5_000_000;
    const wall0 = Date.parse("2026-03-06T12:00:00Z");
    const look = (capture: string | null, previous: Observation | undefined, dt: number) =>
      detectState(
        { pane, capture, previous, monoNow: mono0 + dt, wallNow: wall0 + dt, profile },
        OPTIONS,
      );
    const first = look(screen.text, undefined, 0);
    let previous = look(screen.text, first, DEFAULT_IDLE_AFTER_MS + 1_000);
    if (previous.state === "idle") idleScreens.add(screen.id);
    if (previous.state === "active" && previous.busyMarker) busyScreens.add(screen.id);
    const key = detectionKey(pane, profile.name);
    // Cycles without a capture, 10 s apart, from just after the second look to past the carry.
    for (let dt = DEFAULT_IDLE_AFTER_MS + 2_000; dt < 160_000; dt += 10_000) {
      const input: DetectInput = {
        pane,
        capture: null,
        previous,
        monoNow: mono0 + dt,
        wallNow: wall0 + dt,
        profile,
      };
      const expected = detectState(input, OPTIONS);
      const carried = carriedIdle(input, OPTIONS, key);
      if (carried) {
        answered++;
        assert.deepEqual(carried, expected, `${screen.id} at +${dt} ms`);
      }
      previous = expected;
    }
  }
  assert.ok(idleScreens.size >= 5, `only ${idleScreens.size} idle screens`);
  assert.ok(busyScreens.size >= 5, `only ${busyScreens.size} busy screens`);
  assert.ok(
    answered >= (idleScreens.size + busyScreens.size) * 5,
    `answered only ${answered} times`,
  );
});

Deno.test("carriedIdle: no answer for a new command or title, a dead pane, no key or a capture", () => {
  const screen = SCREEN_LIST.find((s) => s.id.includes("/idle/") && s.profile === "claude")!;
  const profile = PROFILES.get("claude")!;
  const pane = paneRecord({ currentCommand: "claude" });
  const first = detectState({ pane, capture: screen.text, monoNow: 0, wallNow: 0, profile });
  const idle = detectState({
    pane,
    capture: screen.text,
    previous: first,
    monoNow: 30_000,
    wallNow: 30_000,
    profile,
  });
  assert.equal(idle.state, "idle");
  const key = detectionKey(pane, "claude");
  const input = (p: PaneRecord, capture: string | null = null): DetectInput => ({
    pane: p,
    capture,
    previous: idle,
    monoNow: 40_000,
    wallNow: 40_000,
    profile,
  });
  assert.ok(carriedIdle(input(pane), OPTIONS, key), "the control case answers");
  assert.equal(carriedIdle(input({ ...pane, currentCommand: "bash" }), OPTIONS, key), undefined);
  assert.equal(carriedIdle(input({ ...pane, title: "✳ Working" }), OPTIONS, key), undefined);
  assert.equal(carriedIdle(input({ ...pane, dead: true }), OPTIONS, key), undefined);
  assert.equal(carriedIdle(input(pane), OPTIONS, undefined), undefined, "a hook's verdict");
  assert.equal(carriedIdle(input(pane, screen.text), OPTIONS, key), undefined, "captured");
  assert.equal(
    detectState(input({ ...pane, currentCommand: "bash" }), OPTIONS).state,
    "crashed",
    "what it would have missed",
  );
});

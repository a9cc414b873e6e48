/**
 * Golden tests: every screen under `tests/fixtures/screens/<profile>/<version>/<state>/<name>.txt`
 * (`<version>` is the CLI version it was recorded from by `deno task record-screens`, or
 * `hand-drawn`) goes through detection and must come out in the state its folder names.
 *
 * Each fixture is observed twice with the same capture: a first look, then a second look
 * `idleAfterMs` + 1 s later (so time-based states can be reached), then once more with no capture
 * (carried forward). States that need no history (`crashed`, `waiting`, `rate_limited`, `error`,
 * busy `active`) must already show on the first look.
 *
 * An optional sidecar `<name>.json` adjusts this:
 * - `pane`: PaneRecord fields (`currentCommand`, `dead`, `deadStatus`, `windowActivity` as ISO
 *   time or seconds);
 * - `sequence`: `"changed"` to make the first look a different screen (the screen changed);
 * - `wallNow`: ISO time of the first look; `timeZone`: default zone for reset times;
 * - `resetAt`: expected reset time (ISO), or `null` for "no reset time";
 * - `detail`: a substring the observation's detail must contain;
 * - `input`: expected `extractInput` result (`null`: no input box);
 * - `recorded`: where a recorded screen came from (CLI, version, variant, size, time); informative.
 */

import assert from "node:assert/strict";
import { AGENT_STATES, type AgentState, type Observation } from "../../src/agents/types.ts";
import {
  DEFAULT_IDLE_AFTER_MS,
  detectState,
  extractInput,
  MAX_DETAIL_LENGTH,
} from "../../src/agents/detect.ts";
import { identifyProfile, loadProfiles } from "../../src/agents/profiles.ts";
import type { PaneRecord } from "../../src/tmux/types.ts";
import { paneRecord } from "./helpers.ts";

interface Sidecar {
  pane?: Partial<Omit<PaneRecord, "windowActivity">> & { windowActivity?: string | number };
  sequence?: "steady" | "changed";
  wallNow?: string;
  timeZone?: string;
  resetAt?: string | null;
  detail?: string;
  input?: string | null;
}

interface Fixture {
  profile: string;
  /** The CLI version the screen was recorded from, or `hand-drawn`. */
  version: string;
  state: AgentState;
  name: string;
  screen: string;
  sidecar: Sidecar;
}

const SCREENS = new URL("../fixtures/screens/", import.meta.url);
const PROFILES = loadProfiles();
const DEFAULT_WALL = Date.parse("2026-03-06T12:00:00Z");
const NO_HISTORY_NEEDED = new Set<AgentState>(["crashed", "waiting", "rate_limited", "error"]);

function subdirs(url: URL): string[] {
  return [...Deno.readDirSync(url)].filter((e) => e.isDirectory).map((e) => e.name).sort();
}

function loadStateDir(profile: string, version: string, state: string, url: URL): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const file of Deno.readDirSync(url)) {
    if (!file.name.endsWith(".txt")) continue;
    const name = file.name.slice(0, -4);
    let sidecar: Sidecar = {};
    try {
      sidecar = JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, url)));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const screen = Deno.readTextFileSync(new URL(file.name, url));
    fixtures.push({ profile, version, state: state as AgentState, name, screen, sidecar });
  }
  return fixtures;
}

/** Reads `<profile>/<version or hand-drawn>/<state>/<name>.txt` (+ `<name>.json`). */
function loadFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const profile of subdirs(SCREENS)) {
    const profileUrl = new URL(`${profile}/`, SCREENS);
    for (const version of subdirs(profileUrl)) {
      const versionUrl = new URL(`${version}/`, profileUrl);
      for (const state of subdirs(versionUrl)) {
        fixtures.push(...loadStateDir(profile, version, state, new URL(`${state}/`, versionUrl)));
      }
    }
  }
  return fixtures.sort((a, b) => fixtureId(a).localeCompare(fixtureId(b)));
}

function fixtureId(f: Fixture): string {
  return `${f.profile}/${f.version}/${f.state}/${f.name}`;
}

const FIXTURES = loadFixtures();

function paneFor(fixture: Fixture): PaneRecord {
  const profile = PROFILES.get(fixture.profile);
  assert.ok(profile, `no profile named ${fixture.profile}`);
  const { windowActivity, ...rest } = fixture.sidecar.pane ?? {};
  return paneRecord({
    currentCommand: profile.processNames[0],
    ...rest,
    windowActivity: typeof windowActivity === "string"
      ? Date.parse(windowActivity) / 1000
      : windowActivity ?? 0,
  });
}

function checkShape(observation: Observation, pane: PaneRecord): void {
  assert.equal(observation.paneId, pane.paneId);
  assert.ok(AGENT_STATES.includes(observation.state));
  assert.ok(observation.detail.length > 0, "detail is empty");
  assert.ok(
    observation.detail.length <= MAX_DETAIL_LENGTH,
    `detail too long: ${observation.detail}`,
  );
  assert.ok(!observation.detail.includes("\n"), "detail spans lines");
}

Deno.test("golden: fixture folders name real profiles and states", () => {
  assert.ok(FIXTURES.length >= 60, `only ${FIXTURES.length} fixtures`);
  for (const fixture of FIXTURES) {
    assert.ok(PROFILES.has(fixture.profile), `unknown profile folder ${fixture.profile}`);
    assert.ok(AGENT_STATES.includes(fixture.state), `unknown state folder ${fixture.state}`);
  }
  for (const state of AGENT_STATES) {
    const count = FIXTURES.filter((f) => f.profile === "claude" && f.state === state).length;
    const wanted = state === "unknown" ? 1 : 4;
    assert.ok(count >= wanted, `claude/${state} has ${count} fixtures, want at least ${wanted}`);
  }
  for (const style of ["rule_", "boxed_"]) {
    for (const state of ["idle", "active", "waiting", "rate_limited", "error", "stuck_input"]) {
      assert.ok(
        FIXTURES.some((f) =>
          f.profile === "claude" && f.state === state && f.name.startsWith(style)
        ),
        `claude/${state} has no ${style}* fixture`,
      );
    }
  }
});

for (const fixture of FIXTURES) {
  const id = fixtureId(fixture);
  Deno.test(`golden: ${id}`, () => {
    const profile = PROFILES.get(fixture.profile)!;
    const pane = paneFor(fixture);
    const { sidecar } = fixture;
    const options = { idleAfterMs: DEFAULT_IDLE_AFTER_MS, defaultTimeZone: sidecar.timeZone };
    const wall0 = sidecar.wallNow ? Date.parse(sidecar.wallNow) : DEFAULT_WALL;
    const mono0 = 5_000_000;
    const later = DEFAULT_IDLE_AFTER_MS + 1_000;

    let first: Observation;
    let second: Observation;
    if (sidecar.sequence === "changed") {
      const lines = fixture.screen.split("\n");
      const before = lines.map((line, i) => i === lines.findIndex((l) => l.trim()) ? "" : line);
      first = detectState({
        pane,
        capture: before.join("\n"),
        monoNow: mono0,
        wallNow: wall0,
        profile,
      }, options);
      second = detectState({
        pane,
        capture: fixture.screen,
        previous: first,
        monoNow: mono0 + 1_000,
        wallNow: wall0 + 1_000,
        profile,
      }, options);
    } else {
      first = detectState(
        { pane, capture: fixture.screen, monoNow: mono0, wallNow: wall0, profile },
        options,
      );
      second = detectState({
        pane,
        capture: fixture.screen,
        previous: first,
        monoNow: mono0 + later,
        wallNow: wall0 + later,
        profile,
      }, options);
      const firstLookCounts = NO_HISTORY_NEEDED.has(fixture.state) ||
        (fixture.state === "active" && first.busy === true);
      if (firstLookCounts) {
        assert.equal(first.state, fixture.state, `first look: ${first.detail}`);
      }
    }
    checkShape(first, pane);
    checkShape(second, pane);
    assert.equal(second.state, fixture.state, `detail: ${second.detail}`);

    // Not captured next cycle: the state carries forward, and so does `since`.
    const step = sidecar.sequence === "changed" ? 2_000 : later + 1_000;
    const carried = detectState({
      pane,
      capture: null,
      previous: second,
      monoNow: mono0 + step,
      wallNow: wall0 + step,
      profile,
    }, options);
    assert.equal(carried.state, fixture.state, `carried: ${carried.detail}`);
    assert.equal(carried.since, second.since);
    assert.equal(carried.screenHash, second.screenHash);

    if (sidecar.detail !== undefined) {
      assert.ok(
        second.detail.includes(sidecar.detail),
        `detail ${JSON.stringify(second.detail)} lacks ${JSON.stringify(sidecar.detail)}`,
      );
    }
    if (sidecar.resetAt !== undefined) {
      assert.equal(
        second.resetAt === undefined ? null : new Date(second.resetAt).toISOString(),
        sidecar.resetAt === null ? null : new Date(sidecar.resetAt).toISOString(),
      );
    }
    if (sidecar.input !== undefined) {
      assert.equal(extractInput(fixture.screen, profile) ?? null, sidecar.input);
    }
  });
}

Deno.test("golden: a node process is recognised by its screen signature", () => {
  for (const fixture of FIXTURES) {
    if (
      fixture.state === "crashed" || fixture.state === "unknown" ||
      !["claude", "codex", "gemini"].includes(fixture.profile)
    ) {
      continue;
    }
    const found = identifyProfile(
      { profile: "", currentCommand: "node" },
      { profiles: PROFILES, screen: fixture.screen },
    );
    assert.equal(
      found?.name,
      fixture.profile,
      fixtureId(fixture),
    );
  }
});

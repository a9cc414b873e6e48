/**
 * Gemini CLI specifics, on screens recorded from the real Gemini CLI 0.61.0
 * (`tests/fixtures/screens/gemini/0.61.0/`, `deno task record-screens --cli gemini`).
 */
import assert from "node:assert/strict";
import { detectState, extractInput, findInputBox } from "../../src/agents/detect.ts";
import { identifyProfile, loadProfiles } from "../../src/agents/profiles.ts";
import { paneRecord } from "./helpers.ts";

const PROFILES = loadProfiles();
const GEMINI = PROFILES.get("gemini")!;
const DIR = new URL("../fixtures/screens/gemini/0.61.0/", import.meta.url);

function recorded(path: string): { screen: string; wallNow: number } {
  const screen = Deno.readTextFileSync(new URL(`${path}.txt`, DIR));
  const sidecar = JSON.parse(Deno.readTextFileSync(new URL(`${path}.json`, DIR)));
  return { screen, wallNow: Date.parse(sidecar.wallNow) };
}

/** Only the dialog: what is left once the transcript and header have scrolled away. */
function dialogOnly(screen: string): string {
  const lines = screen.split("\n");
  const top = lines.findIndex((line) => /^\s*╭/.test(line));
  assert.ok(top >= 0, "no dialog on the screen");
  return lines.slice(top).join("\n");
}

Deno.test("gemini: a node pane showing only a dialog is recognised (border-stripped signature)", () => {
  for (
    const path of ["waiting/shell_permission", "waiting/edit_approval", "waiting/loop_detected"]
  ) {
    const screen = dialogOnly(recorded(path).screen);
    assert.doesNotMatch(screen, /Gemini CLI v|Type your message/, path);
    const found = identifyProfile(
      { profile: "", currentCommand: "node" },
      { profiles: PROFILES, screen },
    );
    assert.equal(found?.name, "gemini", path);
  }
});

Deno.test("gemini: under a long reply, only the dialog's boxed lines identify the CLI", () => {
  const { screen } = recorded("waiting/shell_permission_scrolled");
  const lines = screen.split("\n");
  // On the raw lines (borders kept) no signature matches: the screen would be unrecognised.
  assert.equal(GEMINI.signature.filter((re) => lines.some((line) => re.test(line))).length, 0);
  const found = identifyProfile(
    { profile: "", currentCommand: "node" },
    { profiles: PROFILES, screen },
  );
  assert.equal(found?.name, "gemini");
});

Deno.test("gemini: the input box is read in all three drawings", () => {
  for (
    const [path, style] of [
      ["idle/fresh_start", "bars"],
      ["idle/rule_input", "rules"],
      ["idle/padded_input", "padded"],
    ]
  ) {
    const box = findInputBox(recorded(path).screen, GEMINI);
    assert.equal(box?.style, style, path);
    assert.equal(box?.text, "", path);
  }
  assert.equal(
    extractInput(recorded("stuck_input/typed").screen, GEMINI),
    "also add a Dockerfile HEALTHCHECK",
  );
  assert.equal(
    extractInput(recorded("stuck_input/pasted_multiline").screen, GEMINI),
    "first pasted line\nsecond pasted line\nthird pasted line",
  );
  // A dialog replaces the input box; the user's message above it is not an input box.
  assert.equal(extractInput(recorded("waiting/shell_permission").screen, GEMINI), undefined);
});

Deno.test("gemini: the usage-limit dialog is rate_limited until its 'Access resets at' time, then waiting", () => {
  const { screen, wallNow } = recorded("rate_limited/access_resets_dialog");
  const shown = /Access resets at (\d+):(\d\d) ([AP]M) UTC/.exec(screen);
  assert.ok(shown, "no reset time on the screen");
  const pane = paneRecord({ currentCommand: "node", windowActivity: wallNow / 1000 });
  const observation = detectState(
    { pane, capture: screen, monoNow: 1_000, wallNow, profile: GEMINI },
    { defaultTimeZone: "UTC" },
  );
  assert.equal(observation.state, "rate_limited", observation.detail);
  assert.match(observation.detail, /Usage limit reached for all Pro models/);
  // The mock's RetryInfo said 3600 s: the reset is an hour after the screen was recorded.
  assert.ok(observation.resetAt !== undefined);
  const hour = (Number(shown[1]) % 12) + (shown[3] === "PM" ? 12 : 0);
  assert.equal(new Date(observation.resetAt).getUTCHours(), hour);
  assert.equal(new Date(observation.resetAt).getUTCMinutes(), Number(shown[2]));
  const ahead = observation.resetAt - wallNow;
  assert.ok(ahead > 58 * 60_000 && ahead <= 60 * 60_000, `reset ${ahead} ms ahead`);
  // Once the reset time has passed, the dialog is a choice to make: waiting.
  const later = detectState({
    pane,
    capture: screen,
    previous: observation,
    monoNow: 1_000 + ahead + 60_000,
    wallNow: observation.resetAt + 60_000,
    profile: GEMINI,
  }, { defaultTimeZone: "UTC" });
  assert.equal(later.state, "waiting", later.detail);
  assert.match(later.detail, /Keep trying/);
});

Deno.test("gemini: the same dialog with a high-demand message is waiting, not a limit", () => {
  const { screen, wallNow } = recorded("waiting/keep_trying");
  assert.match(screen, /● 1\. Keep trying/);
  const pane = paneRecord({ currentCommand: "node" });
  const observation = detectState({
    pane,
    capture: screen,
    monoNow: 1_000,
    wallNow,
    profile: GEMINI,
  });
  assert.equal(observation.state, "waiting");
  assert.match(observation.detail, /high demand/);
});

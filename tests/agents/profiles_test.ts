import assert from "node:assert/strict";
import {
  BUILTIN_PROFILES,
  compileProfile,
  identifyProfile,
  isShellCommand,
  loadProfiles,
  programNames,
} from "../../src/agents/profiles.ts";

function loadError(overrides: unknown): string {
  try {
    loadProfiles(overrides);
  } catch (error) {
    assert.ok(error instanceof Error);
    assert.ok(!error.message.includes("\n"), `not one line: ${error.message}`);
    return error.message;
  }
  assert.fail(`no error for ${JSON.stringify(overrides)}`);
}

Deno.test("profiles: built-ins load and cover Claude Code, Codex, Gemini and Aider", () => {
  const profiles = loadProfiles();
  assert.deepEqual([...profiles.keys()].sort(), ["aider", "claude", "codex", "gemini"]);
  const claude = profiles.get("claude")!;
  assert.equal(claude.name, "claude");
  assert.deepEqual(claude.prompts.map((p) => p.name), ["rule", "boxed"]);
  assert.ok(claude.busy.some((re) => re.test("(12s · ESC TO INTERRUPT)")), "case-insensitive");
  for (const shell of ["bash", "zsh", "sh", "fish", "dash", "ksh", "tcsh"]) {
    assert.ok(claude.shells.includes(shell), shell);
  }
});

Deno.test("profiles: built-ins are plain data that round-trips through JSON", () => {
  const json = JSON.parse(JSON.stringify(BUILTIN_PROFILES));
  const again = loadProfiles(json);
  const original = loadProfiles();
  for (const [name, profile] of original) {
    assert.deepEqual(
      again.get(name)!.busy.map((re) => re.source),
      profile.busy.map((re) => re.source),
    );
  }
});

Deno.test("profiles: a bad regular expression names the profile, the field and the index", () => {
  const message = loadError({ x: { extends: "claude", busy: ["esc", "ok", "(unclosed"] } });
  assert.match(
    message,
    /^Invalid profile "x": busy\[2\] is not a valid regular expression: .*unclosed/,
  );
  assert.match(
    loadError({ claude: { prompts: [{ name: "p", first: "[", maxFooterLines: 1 }] } }),
    /^Invalid profile "claude": prompts\[0\]\.first is not a valid regular expression: /,
  );
});

Deno.test("profiles: bad fields give clear one-line errors", () => {
  assert.equal(
    loadError({ claude: { bussy: [] } }),
    'Invalid profile "claude": unknown field "bussy"',
  );
  assert.equal(
    loadError({ claude: { busy: "esc to interrupt" } }),
    'Invalid profile "claude": busy must be an array',
  );
  assert.equal(
    loadError({ claude: { busy: [42] } }),
    'Invalid profile "claude": busy[0] must be a string or { "source", "flags" }',
  );
  assert.equal(
    loadError({ claude: { busy: [{ source: "x", flags: "g" }] } }),
    'Invalid profile "claude": busy[0] has unsupported flags: "g" (allowed: i, m, s, u, v)',
  );
  assert.equal(
    loadError({ claude: { busyLookback: -1 } }),
    'Invalid profile "claude": busyLookback must be an integer from 1 to 1000',
  );
  assert.equal(
    loadError({ claude: { processNames: ["claude", ""] } }),
    'Invalid profile "claude": processNames[1] must be a non-empty string',
  );
  assert.equal(
    loadError({ mine: { extends: "nope" } }),
    'Invalid profile "mine": extends names an unknown profile: "nope"',
  );
  assert.equal(
    loadError({ mine: { description: "mine" } }),
    'Invalid profile "mine": processNames is required',
  );
  assert.equal(
    loadError({ mine: { busy: ["...", "x"] } }),
    'Invalid profile "mine": busy starts with "..." but there is nothing to extend',
  );
  assert.equal(
    loadError({ "my profile": {} }),
    `Invalid profile "my profile": the name must be letters, digits, '.', '_' or '-'`,
  );
  assert.equal(
    loadError([]),
    "Invalid profiles config: expected a JSON object mapping profile names to profiles",
  );
  assert.equal(loadError({ claude: 3 }), 'Invalid profile "claude": must be a JSON object');
});

Deno.test('profiles: overrides replace a field, or extend it with a leading "..."', () => {
  const builtin = loadProfiles().get("claude")!;
  const replaced = loadProfiles({ claude: { busy: ["Brewing"] } }).get("claude")!;
  assert.deepEqual(replaced.busy.map((re) => re.source), ["Brewing"]);
  const extended = loadProfiles({ claude: { busy: ["...", "Brewing"] } }).get("claude")!;
  assert.deepEqual(
    extended.busy.map((re) => re.source),
    [...builtin.busy.map((re) => re.source), "Brewing"],
  );
  // Other profiles are untouched; flags can be given explicitly.
  const flagged = loadProfiles({ claude: { busy: [{ source: "Brewing", flags: "" }] } });
  assert.equal(flagged.get("claude")!.busy[0].flags, "");
  assert.equal(flagged.get("codex")!.busy.length, loadProfiles().get("codex")!.busy.length);
});

Deno.test("profiles: a new profile can extend a built-in", () => {
  const profiles = loadProfiles({
    "claude-wrapped": { extends: "claude", processNames: ["cc-wrapper"] },
  });
  const wrapped = profiles.get("claude-wrapped")!;
  assert.equal(wrapped.name, "claude-wrapped");
  assert.deepEqual(wrapped.processNames, ["cc-wrapper"]);
  assert.equal(wrapped.prompts.length, 2);
});

Deno.test("profiles: compileProfile validates a whole profile", () => {
  const profile = compileProfile("plain", structuredClone(BUILTIN_PROFILES.aider));
  assert.equal(profile.name, "plain");
  assert.throws(
    () => compileProfile("plain", null),
    /Invalid profile "plain": must be a JSON object/,
  );
});

Deno.test("profiles: identifyProfile by registration, process name, then screen signature", () => {
  const profiles = loadProfiles();
  const id = (profile: string, currentCommand: string, screen?: string) =>
    identifyProfile({ profile, currentCommand }, { profiles, screen })?.name;
  assert.equal(id("codex", "deno"), "codex", "registration wins");
  assert.equal(id("", "claude"), "claude");
  assert.equal(id("", "2.1.37"), "claude", "native build's version-number title");
  assert.equal(id("", "codex"), "codex");
  assert.equal(id("", "gemini"), "gemini");
  assert.equal(id("", "aider"), "aider");
  assert.equal(id("", "node"), undefined, "node alone says nothing");
  assert.equal(id("", "node", "hello\nworld"), undefined);
  assert.equal(
    id("", "node", "● Done.\n  ⎿  3. No, and tell Claude what to do differently (esc)"),
    "claude",
  );
  assert.equal(
    id("", "node", "• Working (3s • esc to interrupt)\n\n› \n\n  98% context left"),
    "codex",
  );
  assert.equal(id("", "python3", "Aider v0.86.1\nMain model: x\n> "), "aider");
  assert.equal(id("", "bash", "● Done."), undefined);
  assert.equal(id("nope", "claude"), "claude", "unknown registration falls back");
});

Deno.test("profiles: signatures match border-stripped lines anywhere on the screen", () => {
  // A dialog drawn in a box, and nothing else of the CLI on screen (e.g. after a monitor
  // restart, the header long scrolled away): `^Proceed…` must match `│ Proceed… │`.
  const profiles = loadProfiles({
    boxy: {
      extends: "aider",
      description: "a CLI that draws dialogs in boxes",
      processNames: ["boxy"],
      wrapperProcessNames: ["node"],
      signature: [String.raw`^Proceed with the frobnication\?$`, String.raw`^◆ Boxy v\d`],
    },
  });
  const dialog = [
    "some scrollback of the session",
    "",
    "╭──────────────────────────────────────────────╮",
    "│ ?  Frobnicate src/                            │",
    "│                                              │",
    "│ Proceed with the frobnication?               │",
    "│                                              │",
    "│ ● 1. Yes                                     │",
    "│   2. No                                      │",
    "╰──────────────────────────────────────────────╯",
  ].join("\n");
  const id = (command: string, screen: string) =>
    identifyProfile({ profile: "", currentCommand: command }, { profiles, screen })?.name;
  assert.equal(id("node", dialog), "boxy");
  assert.equal(id("node", dialog.replace("\n│ Proceed", "\n┃ Proceed")), "boxy");
  // The process fact still counts: the same screen in a python process is not this CLI.
  assert.equal(id("python3", dialog), undefined);
  // Lines as captured still count too (a pattern may look for the border itself).
  assert.equal(id("node", "◆ Boxy v1.2.0"), "boxy");
  // A very long line does not stall identification, and is cut before matching.
  const long = `│ ${" ".repeat(50_000)}x│\n${
    "─".repeat(50_000)
  }\n│ Proceed with the frobnication? │`;
  assert.equal(id("node", long), "boxy");
});

Deno.test("profiles: shells mean crashed, however tmux spells them", () => {
  const claude = loadProfiles().get("claude")!;
  for (const shell of ["bash", "-bash", "/bin/zsh", "fish", "dash", "ksh", "tcsh", "sh", "ZSH"]) {
    assert.ok(isShellCommand(shell, claude), shell);
  }
  for (const command of ["claude", "node", "bashful", "", "2.1.37"]) {
    assert.ok(!isShellCommand(command, claude), command);
  }
});

Deno.test("profiles: a runtime's command line names its CLI (the process fact), before any screen", () => {
  const profiles = loadProfiles();
  const id = (argv: string[], pkg?: string, command = "node") =>
    identifyProfile({ profile: "", currentCommand: command }, {
      profiles,
      screen: "nothing recognisable",
      process: { argv, package: pkg === undefined ? undefined : { name: pkg } },
    })?.name;
  assert.equal(id(["node", "/usr/lib/node_modules/@openai/codex/bin/codex.js"]), "codex");
  assert.equal(id(["node", "/home/u/.npm/bin/gemini"]), "gemini");
  assert.equal(id(["node", "--no-warnings", "/opt/cli.js"], "@anthropic-ai/claude-code"), "claude");
  assert.equal(id(["node", "server.js"], "my-web-app"), undefined, "another node program");
  assert.equal(id(["node", "codex.js"], undefined, "python3"), undefined, "not codex's runtime");
  assert.deepEqual(programNames({ argv: ["node", "/x/bin/codex.js", "--yolo"] }), ["codex"]);
  assert.deepEqual(
    programNames({ argv: ["node", "./Gemini.MJS"], package: { name: "@google/gemini-cli" } }),
    ["gemini", "gemini-cli"],
  );
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { parse } from "smol-toml";
import {
  CLAUDE_EVENTS,
  isOurHook,
  mergeIntoSettings,
  removeFromSettings,
  settingsFragment,
  shellWords,
} from "../../src/hooks/install.ts";
import { shellWord } from "../../src/tmux/commands.ts";
import { editCodexNotify, findNotifySpan } from "../../src/hooks/install_toml.ts";
import { applyHooks, configPath } from "../../src/hooks/install_files.ts";
import { runCli } from "../helpers/mod.ts";

const SELF = ["/opt/tmux orc/bin/tmux-orc"];

const USER_SETTINGS = {
  permissions: { allow: ["Bash(ls:*)"] },
  hooks: {
    Stop: [{ hooks: [{ type: "command", command: "notify-send done" }] }],
    PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "audit.sh" }] }],
  },
  theme: "dark",
};

Deno.test("claude settings: merge keeps the user's hooks, is idempotent, removal takes only ours", () => {
  const merged = mergeIntoSettings(USER_SETTINGS, "claude", SELF);
  assert.deepEqual(merged.permissions, USER_SETTINGS.permissions);
  assert.equal(merged.theme, "dark");
  const hooks = merged.hooks as Record<string, { matcher?: string; hooks: unknown[] }[]>;
  assert.deepEqual(hooks.PreToolUse, USER_SETTINGS.hooks.PreToolUse);
  assert.equal(hooks.Stop.length, 2);
  assert.deepEqual(hooks.Stop[0], USER_SETTINGS.hooks.Stop[0]);
  assert.deepEqual(hooks.Stop[1].hooks[0], {
    type: "command",
    command: SELF[0],
    args: ["hook", "--cli", "claude", "Stop"],
    async: true,
    timeout: 10,
  });
  assert.deepEqual(
    hooks.Notification.map((g) => g.matcher),
    ["permission_prompt", "idle_prompt", "elicitation_dialog"],
  );
  for (const { event } of CLAUDE_EVENTS) assert.ok(hooks[event], event);
  // Installing again (even from another path) replaces ours, adds nothing.
  const again = mergeIntoSettings(merged, "claude", ["/usr/local/bin/tmux-orc"]);
  assert.equal((again.hooks as typeof hooks).Stop.length, 2);
  assert.equal((again.hooks as typeof hooks).Notification.length, 3);
  assert.deepEqual(removeFromSettings(again, "claude"), USER_SETTINGS);
  assert.deepEqual(removeFromSettings(mergeIntoSettings({}, "claude", SELF), "claude"), {});
  assert.throws(() => mergeIntoSettings({ hooks: [] }, "claude", SELF), /not an object/);
});

Deno.test("gemini settings: shell-quoted commands that are recognised as ours", () => {
  const fragment = settingsFragment("gemini", ["/opt/it's here/tmux-orc"]);
  const hook = (fragment.hooks as Record<string, { hooks: { command: string }[] }[]>)
    .Notification[0].hooks[0];
  assert.equal(hook.command, `'/opt/it'\\''s here/tmux-orc' hook --cli gemini Notification`);
  assert.deepEqual(shellWords(hook.command), [
    "/opt/it's here/tmux-orc",
    "hook",
    "--cli",
    "gemini",
    "Notification",
  ]);
  assert.ok(isOurHook(hook, "gemini"));
  assert.ok(!isOurHook(hook, "claude"));
  assert.ok(
    !isOurHook({ type: "command", command: "echo hook --cli gemini x; rm -rf /" }, "gemini"),
  );
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 6 }), (words) => {
      assert.deepEqual(shellWords(words.map(shellWord).join(" ")), words);
    }),
  );
});

Deno.test("settings: property: merge then remove gives back any settings without ours", () => {
  const hookEntry = fc.record({ type: fc.constant("command"), command: fc.string() });
  const group = fc.record({
    matcher: fc.option(fc.string(), { nil: undefined }),
    hooks: fc.array(hookEntry),
  }, {
    requiredKeys: ["hooks"],
  });
  const settings = fc.record({
    hooks: fc.dictionary(
      fc.constantFrom("Stop", "Notification", "PreToolUse", "Custom"),
      fc.array(group, { minLength: 1 }),
    ),
    other: fc.jsonValue(),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(settings, fc.constantFrom("claude" as const, "gemini" as const), (s, cli) => {
      const clean = JSON.parse(JSON.stringify(s));
      const merged = mergeIntoSettings(clean, cli, SELF);
      assert.deepEqual(removeFromSettings(clean, cli), clean);
      // An empty `hooks` object is the same as none: it may go.
      if (Object.keys(clean.hooks ?? { x: 1 }).length === 0) delete clean.hooks;
      assert.deepEqual(removeFromSettings(merged, cli), clean);
    }),
    { numRuns: 300 },
  );
});

const CODEX_TOML = `# my Codex config
model = "o4" # the model

[tui]
notifications = true # keep
`;

Deno.test("codex config.toml: notify goes before the first table; comments stay; removal is exact", () => {
  const edit = editCodexNotify(CODEX_TOML, { self: SELF, install: true, path: "c.toml" });
  assert.equal(edit.status, "changed");
  const text = (edit as { text: string }).text;
  assert.ok(text.startsWith('# my Codex config\nmodel = "o4" # the model\n\nnotify = ['), text);
  assert.ok(text.includes("notifications = true # keep"));
  const data = parse(text) as Record<string, unknown>;
  assert.deepEqual(data.notify, [...SELF, "hook", "--cli", "codex", "notify"]);
  assert.deepEqual({ ...data.tui as object }, { notifications: true });
  assert.deepEqual(editCodexNotify(text, { self: SELF, install: true, path: "c" }), {
    status: "unchanged",
  });
  const removed = editCodexNotify(text, { self: SELF, install: false, path: "c" });
  assert.equal((removed as { text: string }).text, CODEX_TOML.replace("\n[tui]", "\n\n[tui]"));
  // A notify that is not ours is never touched.
  const foreign = `notify = ["notify-send", "Codex"]\n`;
  assert.equal(
    editCodexNotify(foreign, { self: SELF, install: true, path: "c" }).status,
    "foreign",
  );
  assert.throws(
    () => editCodexNotify("model = ", { self: SELF, install: true, path: "c" }),
    /not valid TOML/,
  );
  // A multi-line notify with brackets in strings and comments is found whole.
  const multi = `a = 1\nnotify = [\n  "x]", # c ]\n  'y[',\n] # end\nb = 2\n`;
  const span = findNotifySpan(multi)!;
  assert.equal(multi.slice(span[0], span[1]), `notify = [\n  "x]", # c ]\n  'y[',\n] # end\n`);
  assert.deepEqual(editCodexNotify("", { self: SELF, install: true, path: "c" }).status, "changed");
});

Deno.test("files: backup, mode kept, symlink followed, project paths", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-hooks-" });
  try {
    const real = `${dir}/dotfiles/settings.json`;
    await Deno.mkdir(`${dir}/dotfiles`);
    await Deno.writeTextFile(real, JSON.stringify(USER_SETTINGS), { mode: 0o640 });
    await Deno.chmod(real, 0o640);
    await Deno.mkdir(`${dir}/proj/.claude`, { recursive: true });
    const link = `${dir}/proj/.claude/settings.json`;
    await Deno.symlink(real, link);
    const target = { cli: "claude" as const, scope: "project" as const, projectDir: `${dir}/proj` };
    assert.equal(configPath(target), link);
    const now = new Date(Date.UTC(2026, 11, 2, 1, 2, 3, 4));
    const result = await applyHooks(target, { self: SELF, install: true, now });
    assert.equal(result.status, "written");
    assert.equal(result.backup, `${real}.tmux-orc-backup-20261202T010203.004Z`);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(result.backup!)), USER_SETTINGS);
    assert.ok((await Deno.lstat(link)).isSymlink, "the link stays");
    assert.equal((await Deno.stat(real)).mode! & 0o777, 0o640);
    const written = JSON.parse(await Deno.readTextFile(real));
    assert.ok(written.hooks.Notification);
    assert.equal((await applyHooks(target, { self: SELF, install: true })).status, "unchanged");
    const removed = await applyHooks(target, { self: SELF, install: false });
    assert.equal(removed.status, "written");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(real)), USER_SETTINGS);
    // A new file: directory 0700, file 0600.
    const codex = { cli: "codex" as const, scope: "project" as const, projectDir: `${dir}/new` };
    const made = await applyHooks(codex, { self: SELF, install: true });
    assert.equal(made.backup, undefined);
    assert.equal((await Deno.stat(`${dir}/new/.codex`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(made.path)).mode! & 0o777, 0o600);
    assert.equal(
      configPath({ cli: "gemini", scope: "user" }, (n) => ({ HOME: "/h" })[n]),
      "/h/.gemini/settings.json",
    );
    assert.equal(
      configPath({ cli: "codex", scope: "user" }, (n) => ({ HOME: "/h", CODEX_HOME: "/c" })[n]),
      "/c/config.toml",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: hooks install --print, --project, refusals are one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-hooks-cli-" });
  try {
    const env = { HOME: Deno.env.get("HOME") ?? dir, PATH: Deno.env.get("PATH") ?? "" };
    const print = await runCli(["hooks", "install", "--claude", "--print"], { env });
    assert.equal(print.code, 0, print.stderr);
    const fragment = JSON.parse(print.stdout);
    const command = fragment.hooks.Notification[0].hooks[0];
    assert.deepEqual(command.args.slice(-4), ["hook", "--cli", "claude", "Notification"]);
    const install = await runCli(["hooks", "install", "--gemini", "--project", dir], { env });
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stdout, /✓ tmux-orc hooks installed in .*\.gemini\/settings\.json/);
    const none = await runCli(["hooks", "install", "--project", dir], { env });
    assert.equal(none.code, 2);
    assert.equal(none.stderr.trim(), "tmux-orc: Choose one CLI: --claude, --codex or --gemini");
    await Deno.mkdir(`${dir}/.codex`);
    await Deno.writeTextFile(`${dir}/.codex/config.toml`, `notify = ["say", "done"]\n`);
    const foreign = await runCli(["hooks", "install", "--codex", "--project", dir], { env });
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /^tmux-orc: Refusing to replace Codex's notify in .*\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Live: the REAL Claude Code (pinned 2.1.332) with `tmux-orc hooks install --claude --user` in its
 * private HOME, in a pane of a private tmux server, against the mock Anthropic API; the REAL
 * monitor watching. Claude Code's own hooks run `tmux-orc hook` in its pane, and the monitor reads
 * the event through its `list-panes`.
 *
 * 1. The hook alone: the Claude profile's permission-prompt patterns are switched off
 *    (`profiles.json`), so the screen cannot say `waiting`: only the hook can.
 * 2. Latency with hooks and the normal profile: from the prompt appearing on the screen to
 *    `agents --json` showing `waiting` (target ≤ 1 s), printed over several trials, and once
 *    without hooks for comparison.
 * 3. `Stop` → idle at once, with `--idle-after 60` (the screen alone would wait a minute); the
 *    hooks installed with `--project` into Claude's (trusted) work folder this time.
 *
 * The monitor runs at `--interval 30` (`TMUX_ORC_HOOKS_INTERVAL` overrides it): its tmux
 * subscription wakes it when the hook's pane option or the screen changes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { makePrivateHome, realCliOrSkip } from "./harness/mod.ts";
import { claudeBin } from "./claude/suite.ts";
import { type Reply, startAnthropicMock } from "./claude/mock_api.ts";
import type { HookEvent } from "../../src/hooks/event.ts";
import { claudeEnv, seedHome, workDir } from "./claude/setup.ts";
import { installHooks, INTERVAL, median, type Rig, startRig, watch } from "./hooks_rig.ts";

const PROMPT = /Do you want to proceed\?[\s\S]*1\. Yes/;
const INPUT_BOX = /─{20,}\s*\n❯[^\n]*\n─{20,}/;

interface Trial {
  /** Prompt on the screen → `agents --json` says waiting (ms; negative: the monitor was first). */
  latencyMs: number;
  /** Prompt on the screen → the hook's event on the pane (ms; negative: the hook was first). */
  hookMs: number;
  /** The monitor's detail then. */
  detail: string;
}

const BASH_CALL: Reply = {
  kind: "tool_use",
  name: "Bash",
  text: "I will clean the build folder.",
  input: { command: "rm -rf build", description: "Remove the build folder" },
};

/** Times one event: the screen, the hook, the monitor (see {@linkcode watch}). */
interface TrialSpec {
  /** Install the hooks. */
  hooks: boolean;
  /** The mock's reply to the prompt. @default a Bash call (permission prompt) */
  reply?: Reply;
  /** What the screen shows. @default the permission prompt */
  screen?: RegExp;
  /** The state the monitor must report. @default "waiting" */
  state?: string;
  /** The hook event to wait for. @default PermissionRequest or Notification permission_prompt */
  hook?: (event: HookEvent) => boolean;
  /** Install into the work folder's `.claude/settings.json` instead of the user's. */
  project?: boolean;
}

/** Claude Code asks to run a Bash command; times the screen, the hook, the monitor. */
async function permissionTrial(rig: Rig, trial: TrialSpec): Promise<Trial> {
  const bin = await claudeBin();
  const mock = await startAnthropicMock([trial.reply ?? BASH_CALL]);
  const home = await makePrivateHome("tmux-orc-hooks-claude-");
  try {
    const options = { baseUrl: mock.server.url };
    await seedHome(home.dir, options);
    if (trial.hooks && trial.project) {
      await installHooks(home.dir, ["--claude", "--project", workDir(home.dir)]);
      const settings = `${workDir(home.dir)}/.claude/settings.json`;
      assert.ok(JSON.parse(await Deno.readTextFile(settings)).hooks.Stop);
    } else if (trial.hooks) {
      await installHooks(home.dir, ["--claude", "--user"]);
      const settings = JSON.parse(await Deno.readTextFile(`${home.dir}/.claude/settings.json`));
      assert.equal(settings.permissions.defaultMode, "default", "the seeded settings are kept");
    }
    const pane = await rig.server.openPane({
      argv: [bin],
      env: claudeEnv(home.dir, options),
      cwd: workDir(home.dir),
      window: "hooks",
      tmuxEnv: true,
    });
    await pane.waitForScreen(INPUT_BOX, { timeoutMs: 45_000, what: "Claude's input box" });
    await pane.sendText("Clean the build");
    await pane.waitForScreen(
      (screen) => screen.replaceAll("\u00a0", " ").includes("❯ Clean the build"),
      { timeoutMs: 10_000, what: "the typed text" },
    );
    await pane.sendKeys("Enter");
    const seen = await watch(rig, pane, {
      screen: trial.screen ?? PROMPT,
      state: trial.state ?? "waiting",
      hook: trial.hooks
        ? trial.hook ?? ((e) => e.event === "PermissionRequest" || e.type === "permission_prompt")
        : undefined,
    });
    if (!trial.hooks) assert.equal(seen.event, "", "no hook event without hooks");
    await rig.server.closePane(pane);
    return {
      latencyMs: Math.round(seen.seenAt - seen.screenAt),
      hookMs: seen.hookAt === undefined ? NaN : Math.round(seen.hookAt - seen.screenAt),
      detail: seen.detail,
    };
  } finally {
    await mock.close();
    await home.cleanup();
  }
}

Deno.test({
  name: "live hooks: real Claude Code's permission hook alone makes the monitor say waiting",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await realCliOrSkip("claude")) return;
    // The screen cannot say waiting: the profile's prompt patterns never match.
    const rig = await startRig({ claude: { waiting: ["TMUX-ORC-NEVER-SHOWN-9f3c"] } });
    try {
      const trial = await permissionTrial(rig, { hooks: true });
      console.log(
        `claude hooks (screen blind to prompts): waiting ${trial.latencyMs} ms after the prompt ` +
          `showed; hook ${trial.hookMs} ms; detail: ${trial.detail}`,
      );
      assert.match(trial.detail, /^hook: (PermissionRequest|Notification permission_prompt)/);
      // The screen said something else: the contradiction is in the monitor's log, both facts.
      const log = await Deno.readTextFile(`${rig.stateDir}/logs/monitor.jsonl`);
      const line = log.split("\n").find((l) => l.includes("the hook says waiting"));
      console.log(`monitor log: ${JSON.parse(line ?? "{}").message}`);
      assert.match(line ?? "", /the hook says waiting \(PermissionRequest Bash.*the screen says/);
    } finally {
      await rig.close();
    }
  },
});

Deno.test({
  name: "live hooks: with hooks, waiting is in agents --json within 1 s of the prompt (median)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await realCliOrSkip("claude")) return;
    const rig = await startRig();
    try {
      const n = Number(Deno.env.get("TMUX_ORC_HOOKS_TRIALS") ?? "3");
      const rows: { hooks: boolean; trial: Trial }[] = [];
      for (let i = 0; i < n; i++) {
        rows.push({ hooks: true, trial: await permissionTrial(rig, { hooks: true }) });
      }
      // The same without hooks, for comparison (the screen alone).
      rows.push({ hooks: false, trial: await permissionTrial(rig, { hooks: false }) });
      console.log(`\nclaude 2.1.332, a Bash permission prompt, monitor --interval ${INTERVAL}:`);
      console.log("| hooks | prompt → agents --json waiting | prompt → hook event | detail |");
      console.log("|---|---|---|---|");
      for (const { hooks, trial } of rows) {
        const hook = Number.isNaN(trial.hookMs) ? "-" : `${trial.hookMs} ms`;
        console.log(
          `| ${hooks ? "on" : "off"} | ${trial.latencyMs} ms | ${hook} | ${
            trial.detail.slice(0, 50)
          } |`,
        );
      }
      const med = median(rows.filter((r) => r.hooks).map((r) => r.trial.latencyMs));
      console.log(`median prompt → waiting with hooks: ${med} ms (target ≤ 1000 ms)\n`);
      assert.ok(med <= 1000, `median ${med} ms`);
    } finally {
      await rig.close();
    }
  },
});

Deno.test({
  name: "live hooks: real Claude Code's Stop hook (project settings) makes the agent idle at once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await realCliOrSkip("claude")) return;
    const rig = await startRig(undefined, { idleAfter: "60" });
    try {
      const trial = await permissionTrial(rig, {
        hooks: true,
        reply: { kind: "text", text: "The build folder holds the compiled site." },
        screen: /The build folder holds the compiled site/,
        state: "idle",
        hook: (e) => e.event === "Stop",
        project: true,
      });
      console.log(
        `claude hooks, Stop, --idle-after 60: idle ${trial.latencyMs} ms after the reply showed; ` +
          `hook ${trial.hookMs} ms; detail: ${trial.detail}`,
      );
      assert.match(trial.detail, /^hook: Stop/);
    } finally {
      await rig.close();
    }
  },
});

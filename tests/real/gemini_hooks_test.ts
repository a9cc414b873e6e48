/**
 * Live: the REAL Gemini CLI (pinned 0.61.0) with `tmux-orc hooks install --gemini --user` in its
 * private HOME, against the mock Gemini API, the REAL monitor watching. A shell tool call asks
 * for permission: Gemini's `Notification` hook (`ToolPermission`) runs `tmux-orc hook` in its
 * pane. The Gemini profile's prompt patterns are switched off, so only the hook can say waiting.
 * After the reply, `AfterAgent` arrives and the agent is idle.
 *
 * @module
 */

import assert from "node:assert/strict";
import { realCliOrSkip } from "./harness/mod.ts";
import { openGemini, submit } from "./gemini/session.ts";
import { installHooks, INTERVAL, startRig, watch } from "./hooks_rig.ts";

Deno.test({
  name: "live hooks: real Gemini CLI's ToolPermission hook alone makes the monitor say waiting",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await realCliOrSkip("gemini")) return;
    const rig = await startRig({ gemini: { waiting: ["TMUX-ORC-NEVER-SHOWN-9f3c"] } });
    try {
      const session = await openGemini("hooks", {
        script: [{
          calls: [{
            name: "run_shell_command",
            args: { command: "npm test", description: "Run the unit tests" },
          }],
        }],
        tmuxEnv: true,
        prepare: (home) => installHooks(home, ["--gemini", "--user"]),
      }, { server: rig.server });
      try {
        const settings = JSON.parse(
          await Deno.readTextFile(`${session.workspace}/../.gemini/settings.json`),
        );
        assert.equal(settings.telemetry.enabled, false, "the seeded settings are kept");
        await submit(session, "run the unit tests");
        const seen = await watch(rig, session.pane, {
          screen: /Allow execution of/,
          state: "waiting",
          hook: (e) => e.event === "Notification" && e.type === "ToolPermission",
        });
        console.log(
          `gemini 0.61.0 hooks (screen blind to prompts), --interval ${INTERVAL}: waiting ` +
            `${Math.round(seen.seenAt - seen.screenAt)} ms after the prompt showed; hook ` +
            `${Math.round(seen.hookAt! - seen.screenAt)} ms; detail: ${seen.detail}`,
        );
        assert.match(seen.detail, /^hook: Notification ToolPermission/);
      } finally {
        await session.close();
      }
    } finally {
      await rig.close();
    }
  },
});

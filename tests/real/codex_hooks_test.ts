/**
 * Live: the REAL Codex CLI (pinned 0.171.0) with `tmux-orc hooks install --codex --user` (its
 * `notify` in `config.toml`), against the mock Responses API, the REAL monitor watching with a
 * long `--idle-after`, so the screen alone would not say idle for a minute. At the end of the turn
 * Codex runs `tmux-orc hook --cli codex notify '<json>'` (the JSON as the last argument): the
 * pane's `@tmux-orc-hook` says `agent-turn-complete` and the monitor reports idle at once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { realCliOrSkip } from "./harness/mod.ts";
import { SUITE } from "./codex/suite.ts";
import { type CodexScenario, type CodexSession, submit } from "./codex/session.ts";
import { installHooks, INTERVAL, startRig, watch } from "./hooks_rig.ts";

Deno.test({
  name: "live hooks: real Codex CLI's notify marks the turn's end, the monitor says idle",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!await realCliOrSkip("codex")) return;
    const rig = await startRig(undefined, { idleAfter: "60" });
    const scenario: CodexScenario = {
      name: "hooks",
      state: "idle",
      replies: [{ kind: "text", text: "The README explains how to build and test the project." }],
      tmuxEnv: true,
      prepare: async (home) => {
        await installHooks(home, ["--codex", "--user"]);
        const config = parse(await Deno.readTextFile(`${home}/.codex/config.toml`));
        assert.deepEqual((config.notify as string[]).slice(-4), [
          "hook",
          "--cli",
          "codex",
          "notify",
        ]);
        assert.equal(config.model_provider, "mock", "the seeded config is kept");
      },
      drive: () => Promise.resolve(),
    };
    try {
      const session = await SUITE.open(scenario, { server: rig.server }) as CodexSession;
      try {
        await submit(session, "summarise the README in one line");
        const seen = await watch(rig, session.pane, {
          screen: /The README explains how to build/,
          state: "idle",
          hook: (e) => e.event === "agent-turn-complete",
        });
        console.log(
          `codex 0.171.0 notify, --interval ${INTERVAL} --idle-after 60: idle ` +
            `${Math.round(seen.seenAt - seen.screenAt)} ms after the reply showed; hook ` +
            `${Math.round(seen.hookAt! - seen.screenAt)} ms; detail: ${seen.detail}`,
        );
        assert.match(seen.detail, /^hook: agent-turn-complete/);
        // The one call Codex 0.171 makes that no setting switches off (see codex/home.ts) ends at
        // the trap; nothing else may (the hook makes none).
        const known = /^CONNECT raw\.githubusercontent\.com:443 /;
        assert.deepEqual(
          session.trap.seen.filter((c) => !known.test(c)),
          [],
          "calls beyond the mock",
        );
      } finally {
        await session.close();
      }
    } finally {
      await rig.close();
    }
  },
});

/**
 * End to end: the fake agent runs in a real pane of a PRIVATE tmux server, is driven through
 * every state through its control file and keyboard, and `detectState` must see each state from
 * real `capture-pane -p -J` output within a bounded poll.
 */

import assert from "node:assert/strict";
import { detectState, extractInput } from "../../src/agents/detect.ts";
import { identifyProfile, loadProfiles } from "../../src/agents/profiles.ts";
import type { AgentState, Observation } from "../../src/agents/types.ts";
import type { PaneRecord } from "../../src/tmux/types.ts";
import { sleep } from "../../src/util/clock.ts";
import { commandWorks } from "../helpers/mod.ts";
import {
  type FakeAgentCommand,
  fakeAgentCommandLine,
  readMessages,
  sendControl,
} from "../../scripts/fake_agent/mod.ts";

const PROFILES = loadProfiles();
const IDLE_AFTER_MS = 1_000;

const FIELDS = [
  "pane_id",
  "pane_pid",
  "pane_dead",
  "pane_dead_status",
  "pane_current_command",
  "pane_current_path",
  "window_activity",
  "history_size",
  "cursor_x",
  "cursor_y",
  "pane_width",
  "pane_height",
  "pane_in_mode",
  "session_name",
  "session_id",
  "window_id",
  "window_index",
  "window_name",
  "pane_index",
  "@tmux-orc-profile",
  "pane_title",
];

/** Runs tmux on the private server; throws with tmux's message on failure. */
async function tmux(socket: string, args: string[]): Promise<string> {
  const env = Deno.env.toObject();
  delete env.TMUX;
  delete env.TMUX_PANE;
  const { success, stdout, stderr } = await new Deno.Command("tmux", {
    args: ["-L", socket, "-f", "/dev/null", ...args],
    env,
    clearEnv: true,
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(`tmux failed: ${args.join(" ")}: ${new TextDecoder().decode(stderr).trim()}`);
  }
  return text;
}

class Harness {
  readonly socket = `tmux-orc-test-${crypto.randomUUID().slice(0, 8)}`;
  dir = "";
  paneId = "";
  previous: Observation | undefined;
  lastCapture = "";

  get log(): string {
    return `${this.dir}/messages.jsonl`;
  }

  get control(): string {
    return `${this.dir}/control.jsonl`;
  }

  async start(style: "rule" | "boxed"): Promise<void> {
    this.dir = await Deno.makeTempDir({ prefix: "tmux-orc-fake-" });
    const out = await tmux(this.socket, [
      "new-session",
      "-d",
      "-s",
      "fake",
      "-x",
      "100",
      "-y",
      "30",
      "-P",
      "-F",
      "#{pane_id}",
      "--",
      "bash",
      "--norc",
      "--noprofile",
    ]);
    this.paneId = out.trim();
    await tmux(this.socket, ["set-option", "-p", "-t", this.paneId, "@tmux-orc-profile", "claude"]);
    const command = fakeAgentCommandLine({
      log: this.log,
      control: this.control,
      style,
      busyMs: 1500,
    });
    await this.keys(command);
    await this.enter();
  }

  async stop(): Promise<void> {
    try {
      await tmux(this.socket, ["kill-server"]);
    } catch {
      // Already gone.
    }
    // tmux leaves the socket file behind; remove ours.
    const tmpdir = Deno.env.get("TMUX_TMPDIR") || "/tmp";
    await Deno.remove(`${tmpdir}/tmux-${Deno.uid()}/${this.socket}`).catch(() => {});
    if (this.dir) await Deno.remove(this.dir, { recursive: true });
  }

  keys(text: string): Promise<string> {
    return tmux(this.socket, ["send-keys", "-t", this.paneId, "-l", "--", text]);
  }

  enter(): Promise<string> {
    return tmux(this.socket, ["send-keys", "-t", this.paneId, "Enter"]);
  }

  command(command: FakeAgentCommand): Promise<void> {
    return sendControl(this.control, command);
  }

  async pane(): Promise<PaneRecord> {
    const format = FIELDS.map((f) => `#{${f}}`).join("\t");
    const out = await tmux(this.socket, ["display-message", "-p", "-t", this.paneId, format]);
    const v = out.replace(/\n$/, "").split("\t");
    const n = (i: number) => Number(v[i] || 0);
    return {
      paneId: v[0],
      pid: n(1),
      dead: v[2] === "1",
      deadStatus: v[3] === "" ? undefined : n(3),
      currentCommand: v[4],
      currentPath: v[5],
      windowActivity: n(6),
      historySize: n(7),
      cursorX: n(8),
      cursorY: n(9),
      width: n(10),
      height: n(11),
      inMode: v[12] === "1",
      sessionName: v[13],
      sessionId: v[14],
      windowId: v[15],
      windowIndex: n(16),
      windowName: v[17],
      paneIndex: n(18),
      profile: v[19],
      title: v[20],
      role: "agent",
      name: "fake",
      command: "",
      pm: "",
    };
  }

  capture(): Promise<string> {
    return tmux(this.socket, ["capture-pane", "-p", "-J", "-t", this.paneId]);
  }

  /** One monitor cycle: list, capture, detect. */
  async observe(): Promise<Observation> {
    const pane = await this.pane();
    const profile = identifyProfile(pane, { profiles: PROFILES });
    assert.ok(profile, "registration names the profile");
    this.lastCapture = await this.capture();
    this.previous = detectState({
      pane,
      capture: this.lastCapture,
      previous: this.previous,
      monoNow: performance.now(),
      wallNow: Date.now(),
      profile,
    }, { idleAfterMs: IDLE_AFTER_MS });
    return this.previous;
  }

  /** Polls until detection reports `state` (bounded). */
  async waitFor(state: AgentState, timeoutMs = 15_000): Promise<Observation> {
    const deadline = performance.now() + timeoutMs;
    let seen: Observation | undefined;
    while (performance.now() < deadline) {
      seen = await this.observe();
      if (seen.state === state) return seen;
      await sleep(150);
    }
    assert.fail(
      `expected ${state}, last saw ${seen?.state} (${seen?.detail})\n${this.lastCapture}`,
    );
  }

  async waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (await check()) return;
      await sleep(100);
    }
    assert.fail(`timed out waiting for ${what}\n${await this.capture()}`);
  }

  logged(): Promise<string[]> {
    return readMessages(this.log);
  }
}

async function driveThroughStates(style: "rule" | "boxed"): Promise<void> {
  const h = new Harness();
  try {
    await h.start(style);
    const claude = PROFILES.get("claude")!;

    // Starts at an empty prompt: idle once quiet for idleAfterMs.
    const idle = await h.waitFor("idle");
    assert.equal(idle.inputText, "");
    assert.equal((await h.pane()).currentCommand, "deno");

    // Typed text shows in the input box; Enter sends it to the log; the agent works, then idles.
    await h.keys("hello from the PM");
    await h.waitUntil(
      "typed text",
      async () => extractInput(await h.capture(), claude) === "hello from the PM",
    );
    await h.enter();
    await h.waitUntil(
      "the message in the log",
      async () => (await h.logged()).includes("hello from the PM"),
    );
    const busy = await h.waitFor("active");
    assert.match(busy.detail, /esc to interrupt/);
    await h.waitFor("idle");

    // swallowEnter: the first Enter does nothing, the text stays (and is stuck), the second sends.
    await h.command({ swallowEnter: 1 });
    await sleep(600);
    await h.keys("second message");
    await h.waitUntil(
      "typed text",
      async () => extractInput(await h.capture(), claude) === "second message",
    );
    await h.enter();
    await sleep(500);
    assert.deepEqual(await h.logged(), ["hello from the PM"]);
    const stuck = await h.waitFor("stuck_input");
    assert.equal(stuck.inputText, "second message");
    await h.enter();
    await h.waitUntil("the second message in the log", async () => (await h.logged()).length === 2);
    assert.deepEqual(await h.logged(), ["hello from the PM", "second message"]);
    await h.waitFor("idle");

    // A permission prompt; answering it returns to the prompt.
    await h.command({ state: "waiting" });
    const waiting = await h.waitFor("waiting");
    assert.equal(waiting.detail, "Do you want to proceed?");
    await h.keys("1");
    await h.waitFor("idle");

    // A usage limit with a reset time in a stated zone.
    await h.command({ state: "rate_limited", resets: "3pm (America/New_York)" });
    const limited = await h.waitFor("rate_limited");
    assert.match(limited.detail, /resets 3pm \(America\/New_York\)/);
    assert.ok(limited.resetAt !== undefined && limited.resetAt > Date.now());
    assert.ok(limited.resetAt - Date.now() <= 24 * 3600_000);

    // An API error banner as the latest output.
    await h.command({ state: "error" });
    const error = await h.waitFor("error");
    assert.match(error.detail, /^API Error: 529/);

    // Busy with output that keeps changing.
    await h.command({ state: "active" });
    await h.waitFor("active");
    const a = await h.capture();
    await sleep(600);
    assert.notEqual(await h.capture(), a, "the spinner keeps the screen changing");
    assert.equal((await h.observe()).state, "active");

    await h.command({ state: "idle" });
    await h.waitFor("idle");

    // Unsent text left in the box.
    await h.command({ state: "stuck", text: "some unsent text" });
    const stuckAgain = await h.waitFor("stuck_input");
    assert.equal(stuckAgain.detail, 'unsent input: "some unsent text"');

    // The agent exits: its text stays on screen above the shell prompt, but it is crashed.
    await h.command({ exit: 0 });
    const crashed = await h.waitFor("crashed");
    assert.equal(crashed.detail, "shell in foreground: bash");
    assert.match(h.lastCapture, /some unsent text/, "leftover agent text is still visible");
  } finally {
    await h.stop();
  }
}

Deno.test({
  name: "fake agent: every state through a real tmux pane (rule-line prompt)",
  ignore: !commandWorks(["tmux", "-V"]),
  fn: () => driveThroughStates("rule"),
});

Deno.test({
  name: "fake agent: every state through a real tmux pane (boxed prompt)",
  ignore: !commandWorks(["tmux", "-V"]),
  fn: () => driveThroughStates("boxed"),
});

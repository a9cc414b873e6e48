/**
 * End to end, real processes on a private tmux server: how soon a change is seen with a LONG
 * interval (`--interval 30`), i.e. thanks to tmux's change notifications (the pane watch
 * subscription and its early, change-only cycles), not to polling. A PM in one session, three
 * fake agents in another (the monitor's control connection attaches to one session; the watch
 * covers all). Five rounds: a permission prompt, an API error and a crash appear at once; each
 * must show in `agents --json` within 2 s and reach the PM within 3 s (medians; a table is
 * printed). Then the same with `--no-subscribe` is NOT measured: at `--interval 30` it would take
 * up to 30 s per round.
 */
import assert from "node:assert/strict";
import { fakeAgentCommandLine } from "../../scripts/fake_agent/mod.ts";
import { waitFor } from "../helpers/mod.ts";
import { WATCH_OPTIONS } from "../../src/registration.ts";
import { type AgentJson, type FakeAgent, Team } from "./team.ts";

const ROUNDS = 5;
const SHOWN_MS = 2000;
const TOLD_MS = 3000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The PM's received messages with their times (the fake agent logs `{ts, text}` lines). */
async function pmLog(pm: FakeAgent): Promise<{ ts: number; text: string }[]> {
  try {
    return (await Deno.readTextFile(pm.log)).split("\n").filter((l) => l !== "")
      .map((l) => JSON.parse(l)).map((m) => ({ ts: Date.parse(m.ts), text: m.text }));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test("e2e latency: with --interval 30, waiting, error and crash shown within 2 s and told within 3 s (medians)", async () => {
  const team = await Team.create();
  try {
    const pm = await team.agent({ window: "pm", busyMs: 100 });
    await team.register(pm.paneId, ["--role", "pm", "--name", "pm", "--profile", "claude"]);
    const cases = [
      { name: "asker", state: "waiting", told: "waits on a prompt" },
      { name: "broken", state: "error", told: "hit an error" },
      { name: "crasher", state: "crashed", told: "crashed" },
    ] as const;
    const agents: Record<string, FakeAgent> = {};
    for (const { name } of cases) {
      agents[name] = await team.agent({ session: "work", window: name, busyMs: 100 });
      await team.register(agents[name].paneId, [
        "--name",
        name,
        "--profile",
        "claude",
        "--pm",
        pm.paneId,
      ]);
    }
    // Each registration bumped the pane watch's counter (what wakes a running monitor at once).
    assert.equal(
      (await team.tmux(["show-options", "-gqv", WATCH_OPTIONS.generation])).trim(),
      String(1 + cases.length),
    );
    const byName = async () =>
      Object.fromEntries((await team.agents()).map((a) => [a.name, a])) as Record<
        string,
        AgentJson
      >;
    let lastStates = "";
    const allIdle = async () => {
      const list = await byName();
      lastStates = Object.values(list).map((a) => `${a.name}=${a.state} (${a.detail})`).join(", ");
      return ["pm", ...cases.map((c) => c.name)].every((n) => list[n]?.state === "idle");
    };
    // Quiet for longer than --idle-after before the first cycle, so it finds everyone idle.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    team.box.spawn([
      "monitor",
      "--interval",
      "30",
      "--idle-after",
      "1",
      "--notify-cooldown",
      "0.05",
    ]);
    await waitFor(allIdle, { timeoutMs: 15_000, everyMs: 100, what: "everyone idle" }).catch(
      async (error) => {
        const log = await Deno.readTextFile(`${team.box.dir}/logs/monitor.jsonl`).catch(() => "");
        throw new Error(`${error.message}: ${lastStates}\n${log.slice(-3000)}`);
      },
    );

    const samples: Record<string, { detected: number[]; shown: number[]; told: number[] }> = {};
    for (const { state } of cases) samples[state] = { detected: [], shown: [], told: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = Date.now();
      await Promise.all([
        agents.asker.command({ state: "waiting" }),
        agents.broken.command({ state: "error" }),
        agents.crasher.command({ exit: 1 }),
      ]);
      const shown: Record<string, number> = {};
      let list: Record<string, AgentJson> = {};
      await waitFor(async () => {
        list = await byName();
        const now = Date.now() - t0;
        for (const { name, state } of cases) {
          if (shown[state] === undefined && list[name]?.state === state) shown[state] = now;
        }
        return Object.keys(shown).length === cases.length;
      }, { timeoutMs: 40_000, everyMs: 50, what: `round ${round + 1}: every state` });
      const told = await waitFor(async () => {
        const log = (await pmLog(pm)).filter((m) => m.ts >= t0);
        const at: Record<string, number> = {};
        for (const { name, state, told } of cases) {
          const hit = log.find((m) =>
            m.text.split("; ").some((part) => part.includes(`${name} (`) && part.includes(told))
          );
          if (hit) at[state] = hit.ts - t0;
        }
        return Object.keys(at).length === cases.length ? at : undefined;
      }, { timeoutMs: 40_000, everyMs: 50, what: `round ${round + 1}: the PM told` });
      for (const { name, state } of cases) {
        samples[state].detected.push(Date.parse(list[name].since) - t0);
        samples[state].shown.push(shown[state]);
        samples[state].told.push(told[state]);
      }
      // Back to idle: dismiss the dialog and the error, start the crashed agent again.
      await agents.asker.command({ state: "idle" });
      await agents.broken.command({ state: "idle" });
      // A fresh fake agent reads its control file from the start: empty it first.
      await Deno.writeTextFile(agents.crasher.control, "");
      await team.tmux([
        "send-keys",
        "-t",
        agents.crasher.paneId,
        "-l",
        "--",
        fakeAgentCommandLine({ log: agents.crasher.log, control: agents.crasher.control }),
      ]);
      await team.tmux(["send-keys", "-t", agents.crasher.paneId, "Enter"]);
      await waitFor(allIdle, { timeoutMs: 40_000, everyMs: 100, what: "everyone idle again" })
        .catch((error) => {
          throw new Error(`${error.message}: ${lastStates}`);
        });
    }

    const fmt = (values: number[]) => String(Math.round(median(values))).padStart(6);
    const lines = cases.map(({ state }) => {
      const s = samples[state];
      return `      ${state.padEnd(8)} ${fmt(s.detected)} ${fmt(s.shown)} ${fmt(s.told)}   ` +
        `shown ${s.shown.map((v) => Math.round(v)).join(", ")}; told ${
          s.told.map((v) => Math.round(v)).join(", ")
        }`;
    });
    console.log(
      `    latency with --interval 30 (ms from the fake agent's command; medians of ${ROUNDS}; ` +
        "the fake agent reacts within ~100 ms)\n" +
        "      state    detected shown   told\n" + lines.join("\n"),
    );
    for (const { state } of cases) {
      const s = samples[state];
      assert.ok(
        median(s.shown) <= SHOWN_MS,
        `${state}: shown after ${median(s.shown)} ms (median), over ${SHOWN_MS} ms`,
      );
      assert.ok(
        median(s.told) <= TOLD_MS,
        `${state}: PM told after ${median(s.told)} ms (median), over ${TOLD_MS} ms`,
      );
    }
  } finally {
    await team.cleanup();
  }
});

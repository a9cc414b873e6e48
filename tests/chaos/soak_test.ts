/**
 * The soak, CI-sized: the real monitor process (`scripts/bench/main.ts --soak`, as `deno task
 * soak` runs it) watching 20 fake agents that change state (active, waiting, error, rate-limited, idle) for
 * ~150 fast cycles, with a fake PM taking the notifications: no event lost, no duplicate
 * notification. Plus the checks themselves on made-up events.
 */
import assert from "node:assert/strict";
import { checkSoakEvents, type InducedState } from "../../scripts/bench/soak_script.ts";
import type { EventRecord } from "../../src/store/store.ts";
import { ROOT } from "../helpers/mod.ts";

const BENCH_MAIN = `${ROOT}scripts/bench/main.ts`;

function transition(id: number, agent: string, to: string): EventRecord {
  return { id, ts: id * 1000, kind: "transition", agent, toState: to, detail: "" };
}

function delivered(id: number, agent: string, state: string, ts: number): EventRecord {
  return {
    id,
    ts,
    kind: "notification",
    agent,
    toState: state,
    delivery: "delivered",
    detail: "",
  };
}

function induced(...states: InducedState["state"][]): InducedState[] {
  return states.map((state, i) => ({ state, atMs: i, cycle: i }));
}

Deno.test("soak check: induced states must be a subsequence of the recorded transitions", () => {
  const events = [
    transition(1, "a", "unknown"),
    transition(2, "a", "waiting"),
    transition(3, "a", "active"),
    transition(4, "a", "idle"),
    transition(5, "b", "error"),
    transition(6, "b", "active"),
  ];
  const check = checkSoakEvents(
    events,
    new Map([["a", induced("waiting", "idle")], ["b", induced("active", "error")]]),
    { cooldownMs: 10_000 },
  );
  assert.equal(check.induced, 4);
  assert.equal(check.recorded, 6);
  assert.equal(check.matched, 3); // b's error came before its active: out of order
  assert.equal(check.missing, 1);
  assert.match(check.missingExamples[0], /^b: error/);
});

Deno.test("soak check: two deliveries about one agent and state inside the cooldown are duplicates", () => {
  const events = [
    delivered(1, "a", "idle", 0),
    delivered(2, "a", "idle", 10_000),
    delivered(3, "a", "idle", 15_000),
    delivered(4, "a", "waiting", 15_500),
    delivered(5, "b", "idle", 15_500),
  ];
  const check = checkSoakEvents(events, new Map([["a", []]]), { cooldownMs: 10_000 });
  assert.equal(check.delivered, 5);
  assert.equal(check.duplicates, 1);
  assert.match(check.duplicateExamples[0], /^a\/idle: 5000 ms apart/);
});

Deno.test("soak (CI-sized): 20 agents changing state, the real monitor: no event lost, no duplicate", async () => {
  const out = await Deno.makeTempDir({ prefix: "tmux-orc-soak-test-" });
  try {
    const t0 = performance.now();
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-prompt",
        BENCH_MAIN,
        "--soak",
        "--agents",
        "20",
        "--soak-seconds",
        "0",
        "--soak-warmup-cycles",
        "50",
        "--soak-cycles",
        "100",
        "--json",
        "--out",
        out,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, stderr.slice(-2000));
    const doc = JSON.parse(new TextDecoder().decode(result.stdout));
    const fast = doc.fast;
    const events = fast.events;
    console.log(
      `soak (20 agents, ${fast.cycles} cycles, ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s): ` +
        `induced ${events.induced}, recorded ${events.recorded}, missing ${events.missing}; ` +
        `delivered ${events.delivered} in ${fast.pmMessages} PM messages, duplicates ` +
        `${events.duplicates}; RSS ${fast.rssFirstMb} -> ${fast.rssLastMb} MB; fds ` +
        `${fast.fdsFirst} -> ${fast.fdsLast}`,
    );
    assert.ok(fast.cycles >= 140, `only ${fast.cycles} cycles`);
    assert.ok(events.induced >= 100, `only ${events.induced} states induced`);
    assert.equal(events.missing, 0, `lost: ${events.missingExamples.join("; ")}`);
    assert.ok(events.delivered > 0, "no notification was delivered");
    assert.ok(fast.pmMessages > 0, "the fake PM took no message");
    assert.equal(events.duplicates, 0, `duplicates: ${events.duplicateExamples.join("; ")}`);
    assert.ok(fast.fdsLast === null || fast.fdsLast <= fast.fdsFirst, "open fds grew");
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

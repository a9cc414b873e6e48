// deno-lint-ignore-file no-control-regex -- these tests read the escape sequences top writes
/**
 * `top`'s loop with a terminal double (the real terminal is exercised in a real tmux pane by
 * tests/e2e/top_test.ts): keys reach the view and the actions, only changed lines are rewritten,
 * a resize redraws everything, and the terminal is given back on q, Ctrl-C, a signal, end of
 * input and an error.
 */
import assert from "node:assert/strict";
import { runTop, type TopOptions } from "../../src/top/app.ts";
import type { JumpResult, TopActions } from "../../src/top/actions.ts";
import type { Snapshot } from "../../src/top/source.ts";
import type { TopTerminal } from "../../src/top/terminal.ts";
import { agent } from "./helpers.ts";
import { plain } from "../../src/top/style.ts";

/** A terminal in memory: keys are pushed by the test; writes are kept. */
class MemoryTerminal implements TopTerminal {
  columns = 100;
  rows = 20;
  writes: string[] = [];
  entered = 0;
  restored = 0;
  #keys: string[] = [];
  #wake?: () => void;
  #ended = false;
  #resize?: () => void;

  size() {
    return { columns: this.columns, rows: this.rows };
  }
  write(text: string) {
    this.writes.push(text);
  }
  async *keys(): AsyncIterable<string> {
    while (true) {
      while (this.#keys.length > 0) yield this.#keys.shift()!;
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
  onResize(fn: () => void) {
    this.#resize = fn;
    return () => this.#resize = undefined;
  }
  enter() {
    this.entered++;
  }
  restore() {
    this.restored++;
  }
  type(text: string) {
    this.#keys.push(text);
    this.#wake?.();
  }
  end() {
    this.#ended = true;
    this.#wake?.();
  }
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.#resize?.();
  }
}

class RecordingActions implements TopActions {
  calls: string[] = [];
  jumpResult: JumpResult = { kind: "switched", text: "Jumped" };
  jump(paneId: string) {
    this.calls.push(`jump ${paneId}`);
    return Promise.resolve(this.jumpResult);
  }
  pressEnter(paneId: string) {
    this.calls.push(`enter ${paneId}`);
    return Promise.resolve(`Pressed Enter in ${paneId}`);
  }
  send(paneId: string, message: string) {
    this.calls.push(`send ${paneId} ${message}`);
    return Promise.reject(new Error("Delivery failed: No input box visible: %2"));
  }
}

const NOW = 1_800_000_000_000;
const SNAPSHOT: Snapshot = {
  agents: [
    agent({ paneId: "%1", name: "alpha", state: "active" }),
    agent({ paneId: "%2", name: "beta", state: "waiting" }),
  ],
  events: [],
};

function start(overrides: Partial<TopOptions> = {}) {
  const terminal = new MemoryTerminal();
  const actions = new RecordingActions();
  let reads = 0;
  const options: TopOptions = {
    source: {
      read: () => {
        reads++;
        return Promise.resolve(SNAPSHOT);
      },
    },
    terminal,
    actions,
    intervalMs: 60_000,
    color: false,
    now: () => NOW,
    ...overrides,
  };
  return { terminal, actions, run: runTop(options), reads: () => reads };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

Deno.test("app: keys select and act; only the changed lines are rewritten; q restores", async () => {
  const { terminal, actions, run } = start();
  await tick();
  assert.equal(terminal.entered, 1);
  assert.match(terminal.writes[0], /^\x1b\[0m\x1b\[H\x1b\[2J/, "the first frame clears");
  assert.match(plain(terminal.writes[0]), /> alpha/);
  terminal.type("j");
  await tick();
  const moved = terminal.writes.at(-1)!;
  assert.equal([...moved.matchAll(/\x1b\[\d+;1H/g)].length, 2, "two rows change: old and new");
  assert.match(plain(moved), /> beta/);
  terminal.type("e\r");
  await tick();
  terminal.type("shello\r");
  await tick();
  assert.deepEqual(actions.calls, ["enter %2", "jump %2", "send %2 hello"]);
  assert.match(plain(terminal.writes.join("")), /✗ Delivery failed: No input box visible: %2/);
  const writes = terminal.writes.length;
  terminal.resize(60, 12);
  await tick();
  assert.match(terminal.writes[writes], /^\x1b\[0m\x1b\[H\x1b\[2J/, "a resize redraws all");
  terminal.type("q");
  const result = await run;
  assert.equal(result.reason, "quit");
  assert.equal(terminal.restored, 1);
});

Deno.test("app: Enter outside tmux ends with the attach command", async () => {
  const { terminal, actions, run } = start();
  actions.jumpResult = { kind: "attach", command: "tmux -L x attach-session -t %1" };
  await tick();
  terminal.type("\r");
  const result = await run;
  assert.deepEqual([result.reason, result.command], ["attach", "tmux -L x attach-session -t %1"]);
  assert.equal(terminal.restored, 1);
});

Deno.test("app: Ctrl-C, a signal and end of input quit; an error still restores", async () => {
  {
    const { terminal, run } = start();
    terminal.type("\x03");
    assert.equal((await run).reason, "quit");
    assert.equal(terminal.restored, 1);
  }
  {
    const stop = new AbortController();
    const { terminal, run } = start({ signal: stop.signal });
    await tick();
    stop.abort();
    await run;
    assert.equal(terminal.restored, 1);
  }
  {
    const { terminal, run } = start();
    terminal.end();
    await run;
    assert.equal(terminal.restored, 1);
  }
  {
    let calls = 0;
    const { terminal, run } = start({
      intervalMs: 5,
      source: {
        read: () => ++calls === 1 ? Promise.resolve(SNAPSHOT) : Promise.reject(new Error("boom")),
      },
    });
    await assert.rejects(run, /boom/);
    assert.equal(terminal.restored, 1);
  }
});

Deno.test("app: each interval polls the source; an unchanged screen writes nothing", async () => {
  const { terminal, run, reads } = start({ intervalMs: 20 });
  await new Promise((r) => setTimeout(r, 130));
  assert.ok(reads() >= 4, `polled ${reads()} times`);
  assert.equal(terminal.writes.length, 1, "same data, same clock: no output after the first frame");
  terminal.type("q");
  await run;
});

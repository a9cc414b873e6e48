import assert from "node:assert/strict";
import { EarlyCycles } from "../../src/monitor/early_cycles.ts";

Deno.test("early cycles: due debounceMs after the first change, not pushed back by later ones", () => {
  const early = new EarlyCycles({ debounceMs: 150, minGapMs: 0, followUpsMs: [] });
  assert.equal(early.dueAt(), undefined);
  assert.equal(early.take(0), undefined);
  early.changed(["%1"], 1000);
  early.changed(["%2"], 1100);
  early.changed(["%1"], 1140);
  assert.equal(early.dueAt(), 1150);
  assert.equal(early.take(1149), undefined);
  assert.deepEqual([...early.take(1150)!].sort(), ["%1", "%2"]);
  assert.equal(early.dueAt(), undefined, "nothing waits once taken");
  assert.equal(early.pending, false);
});

Deno.test("early cycles: the rate bound waits minGapMs, or dutyFactor times the last cycle", () => {
  const early = new EarlyCycles({ debounceMs: 100, minGapMs: 250, dutyFactor: 3, followUpsMs: [] });
  early.ran({ startedAt: 0, endedAt: 50, full: true });
  early.changed(["%1"], 60);
  assert.equal(early.dueAt(), 300, "minGap after the end of the 50 ms cycle");
  early.take(300);
  early.ran({ startedAt: 300, endedAt: 500, full: false });
  early.changed(["%1"], 510);
  assert.equal(early.dueAt(), 1100, "3 x 200 ms after the end of the 200 ms cycle");
  // However many changes arrive, at most one early cycle per bound.
  let cycles = 0;
  for (let now = 510; now < 10_510; now += 10) {
    early.changed([`%${now % 7}`], now);
    const panes = early.take(now);
    if (panes) {
      cycles++;
      early.ran({ startedAt: now, endedAt: now + 200, full: false });
    }
  }
  assert.ok(
    cycles <= 13,
    `${cycles} early cycles in 10 s with 200 ms cycles (bound: 1 per 800 ms)`,
  );
  assert.ok(cycles >= 11, `${cycles} early cycles: the bound is not starvation`);
});

Deno.test("early cycles: a full cycle covers the changes noted before it started", () => {
  const early = new EarlyCycles({ debounceMs: 150, minGapMs: 0, followUpsMs: [] });
  early.changed(["%1"], 100);
  early.ran({ startedAt: 120, endedAt: 200, full: true });
  assert.equal(early.dueAt(), undefined);
  early.changed(["%2"], 150); // noted while the full cycle ran: still due
  early.ran({ startedAt: 140, endedAt: 210, full: true });
  assert.deepEqual([...early.take(1000)!], ["%2"]);
});

Deno.test("early cycles: follow-ups after each delay; a new change starts them over; none of their own", () => {
  const early = new EarlyCycles({ debounceMs: 100, minGapMs: 0, followUpsMs: [1100, 1250] });
  early.changed(["%1", "%2"], 0);
  assert.deepEqual([...early.take(100)!].sort(), ["%1", "%2"]);
  early.ran({ startedAt: 100, endedAt: 120, full: false });
  assert.equal(early.dueAt(), 1220);
  assert.deepEqual([...early.take(1220)!].sort(), ["%1", "%2"]);
  early.ran({ startedAt: 1220, endedAt: 1230, full: false });
  // %2 changes again before its second follow-up: taken with %1's second follow-up (a cycle
  // looks at every pending change), and its follow-ups start over from that cycle.
  early.changed(["%2"], 1300);
  assert.equal(early.dueAt(), 1370, "the second follow-ups (1370) before %2's debounce (1400)");
  assert.deepEqual([...early.take(1370)!].sort(), ["%1", "%2"]);
  early.ran({ startedAt: 1370, endedAt: 1380, full: false });
  assert.equal(early.dueAt(), 2480);
  assert.deepEqual([...early.take(2480)!], ["%2"]);
  early.ran({ startedAt: 2480, endedAt: 2490, full: false });
  assert.deepEqual([...early.take(2630)!], ["%2"]);
  early.ran({ startedAt: 2630, endedAt: 2640, full: false });
  assert.equal(early.dueAt(), undefined, "follow-ups get no follow-ups of their own");
});

Deno.test("early cycles: followUp schedules panes looked at by a full cycle", () => {
  const early = new EarlyCycles({ debounceMs: 100, minGapMs: 0, followUpsMs: [1250] });
  early.ran({ startedAt: 0, endedAt: 40, full: true });
  early.followUp(["%3"], 40);
  assert.equal(early.dueAt(), 1290);
  assert.deepEqual([...early.take(1290)!], ["%3"]);
  early.ran({ startedAt: 1290, endedAt: 1300, full: false });
  assert.equal(early.dueAt(), undefined);
});

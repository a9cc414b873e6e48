/**
 * Which panes are agents, and who their PM is (pure).
 */
import assert from "node:assert/strict";
import { loadProfiles } from "../../src/agents/profiles.ts";
import { classifyPanes, paneTarget } from "../../src/monitor/registry.ts";
import { paneRecord } from "./fake_tmux.ts";

const profiles = loadProfiles();

Deno.test("registry: registered, detected, look-alikes and a wrapper that needs a screen", () => {
  const panes = [
    paneRecord({ paneId: "%0", role: "pm", currentCommand: "claude", name: "boss" }),
    paneRecord({ paneId: "%1", role: "agent", currentCommand: "bash", profile: "codex" }),
    paneRecord({ paneId: "%2", currentCommand: "gemini", windowIndex: 2 }),
    paneRecord({ paneId: "%3", currentCommand: "sleep", windowName: "claude" }),
    paneRecord({ paneId: "%4", currentCommand: "node", windowName: "npm-watch" }),
    paneRecord({ paneId: "%5", currentCommand: "node", windowIndex: 5 }),
  ];
  const first = classifyPanes({ panes, profiles, autoDetect: true });
  assert.deepEqual(first.agents.map((a) => [a.pane.paneId, a.role, a.source, a.profile.name]), [
    ["%0", "pm", "registered", "claude"],
    ["%1", "agent", "registered", "codex"],
    ["%2", "agent", "detected", "gemini"],
  ]);
  assert.deepEqual(first.needScreen.map((p) => p.paneId), ["%4", "%5"]);
  const screens = new Map([
    ["%4", "webpack compiled\n> "],
    ["%5", "╭────╮\n│ > Type your message or @path/to/file │\n╰────╯\ngemini-2.5-pro"],
  ]);
  const second = classifyPanes({ panes, profiles, autoDetect: true, screens });
  assert.deepEqual(second.agents.map((a) => a.pane.paneId), ["%0", "%1", "%2", "%5"]);
  assert.equal(second.needScreen.length, 0);
  assert.deepEqual(second.agents.map((a) => a.pmPaneId), [undefined, "%0", "%0", "%0"]);
  assert.deepEqual(second.agents.map((a) => a.key), ["boss", "%1", "%2", "%5"]);
  // Detected once, the pane stays an agent with a shell in front (crashed), not with vim.
  const later = [
    paneRecord({ ...panes[5], currentCommand: "bash" }),
    paneRecord({ ...panes[2], currentCommand: "vim" }),
  ];
  const third = classifyPanes({
    panes: later,
    profiles,
    autoDetect: true,
    detections: second.detections,
  });
  assert.deepEqual(third.agents.map((a) => [a.pane.paneId, a.profile.name]), [["%5", "gemini"]]);
  // A program caught in the foreground for one cycle (a helper the CLI ran as it exited) is not
  // watched, but when the shell is back the pane is the agent's again: crashed, not forgotten.
  const fourth = classifyPanes({
    panes: [paneRecord({ ...panes[2], currentCommand: "bash" })],
    profiles,
    autoDetect: true,
    detections: third.detections,
  });
  assert.deepEqual(fourth.agents.map((a) => [a.pane.paneId, a.profile.name]), [["%2", "gemini"]]);
  // A different process in the pane (a new pane pid) is a stranger.
  const fifth = classifyPanes({
    panes: [paneRecord({ ...panes[2], pid: panes[2].pid + 1000, currentCommand: "bash" })],
    profiles,
    autoDetect: true,
    detections: fourth.detections,
  });
  assert.deepEqual(fifth.agents, []);
});

Deno.test("registry: names with spaces, quotes and unicode; duplicate names key by pane id", () => {
  const session = `my "team" ✓ 1`;
  const panes = [
    paneRecord({
      paneId: "%7",
      role: "agent",
      name: "ünï 'a'",
      sessionName: session,
      windowIndex: 3,
      paneIndex: 1,
    }),
    paneRecord({ paneId: "%8", role: "agent", name: "twin", windowIndex: 1 }),
    paneRecord({ paneId: "%9", role: "agent", name: "twin", windowIndex: 2 }),
  ];
  const { agents } = classifyPanes({ panes, profiles, autoDetect: false });
  assert.equal(paneTarget(panes[0]), `my "team" ✓ 1:3.1`);
  assert.deepEqual(agents.map((a) => [a.name, a.key]), [
    ["ünï 'a'", "ünï 'a'"],
    ["twin", "%8"],
    ["twin", "%9"],
  ]);
});

Deno.test("registry: @tmux-orc-pm makes the named pane a PM; a missing one is ignored", () => {
  const panes = [
    paneRecord({ paneId: "%1", role: "agent", pm: "%4" }),
    paneRecord({ paneId: "%2", role: "agent", pm: "%99", windowIndex: 1 }),
    paneRecord({ paneId: "%4", currentCommand: "claude", sessionId: "$9", sessionName: "lead" }),
  ];
  const { agents } = classifyPanes({ panes, profiles, autoDetect: false });
  assert.deepEqual(agents.map((a) => [a.pane.paneId, a.role, a.source, a.pmPaneId]), [
    ["%1", "agent", "registered", "%4"],
    ["%2", "agent", "registered", undefined],
    ["%4", "pm", "named-pm", undefined],
  ]);
});

Deno.test("registry: a registered node pane is probed once, then uses the default profile", () => {
  const panes = [paneRecord({ paneId: "%1", role: "agent", currentCommand: "node" })];
  const first = classifyPanes({ panes, profiles, autoDetect: true });
  assert.deepEqual(first.needScreen.map((p) => p.paneId), ["%1"]);
  assert.equal(first.agents.length, 0);
  const second = classifyPanes({
    panes,
    profiles,
    autoDetect: true,
    screens: new Map([["%1", "some output\n> "]]),
  });
  assert.deepEqual(second.agents.map((a) => a.profile.name), ["claude"]);
  const third = classifyPanes({ panes, profiles, autoDetect: true, detections: second.detections });
  assert.deepEqual(third.needScreen, [], "no second probe");
  assert.deepEqual(third.agents.map((a) => a.profile.name), ["claude"]);
});

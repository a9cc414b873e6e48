/**
 * Shared helpers for the agent detection tests.
 *
 * @module
 */

import type { PaneRecord } from "../../src/tmux/types.ts";

/** Returns a plausible pane record for an agent pane, with `overrides` applied. */
export function paneRecord(overrides: Partial<PaneRecord> = {}): PaneRecord {
  return {
    paneId: "%7",
    pid: 4242,
    dead: false,
    currentCommand: "claude",
    currentPath: "/home/dana/src/webapp",
    title: "",
    windowActivity: 0,
    historySize: 0,
    cursorX: 0,
    cursorY: 0,
    width: 100,
    height: 40,
    inMode: false,
    sessionName: "agents",
    sessionId: "$1",
    windowId: "@1",
    windowIndex: 0,
    windowName: "agent",
    paneIndex: 0,
    role: "agent",
    name: "worker-1",
    profile: "",
    command: "",
    pm: "",
    ...overrides,
  };
}

/**
 * A fake {@linkcode TmuxClient} for monitor unit tests: panes with a simulated Claude-Code-like
 * app (input box, Enter, swallowed Enters, permission dialog, banners) or a static screen, driven
 * by a {@linkcode ManualClock}. Every command is logged in `calls`, so tests can prove what was
 * (never) sent to which pane.
 *
 * @module
 */

import { HOOK_OPTIONS, REGISTRATION_OPTIONS } from "../../src/registration.ts";
import { PANE_FORMAT } from "../../src/tmux/panes.ts";
import {
  type PaneRecord,
  type TmuxClient,
  TmuxCommandError,
  TmuxUnavailableError,
} from "../../src/tmux/types.ts";
import type { ManualClock } from "../../src/util/clock.ts";

/** A simulated Claude-Code-like agent. */
export class FakeApp {
  input = "";
  history: string[] = ["> hello", "", "● Hi! What should I work on?"];
  banner: string[] = [];
  busy = false;
  dialog = false;
  swallow = 0;
  /** Submitted messages. */
  received: string[] = [];
  /** Enter presses seen. */
  enters = 0;

  /** The screen, rule-line prompt style. */
  screen(width = 80): string[] {
    const lines = [...this.history, ...this.banner, ""];
    if (this.busy) lines.push("✻ Working… (3s · ↓ 40 tokens · esc to interrupt)", "");
    if (this.dialog) {
      lines.push(
        "─".repeat(width),
        " Bash command",
        "   npm test",
        " Do you want to proceed?",
        " ❯ 1. Yes",
        "   2. Yes, and don't ask again for npm test commands in this project",
        "   3. No, and tell Claude what to do differently (esc)",
      );
    } else {
      lines.push("─".repeat(width), `> ${this.input}`, "─".repeat(width), "  ? for shortcuts");
    }
    return lines;
  }

  type(text: string): void {
    if (this.dialog) return;
    for (const ch of text) {
      if (ch === "\r" || ch === "\n") this.enter();
      else this.input += ch;
    }
  }

  enter(): void {
    this.enters++;
    if (this.dialog) {
      this.dialog = false;
      this.history.push("  ⎿  approved");
      return;
    }
    if (this.swallow > 0) {
      this.swallow--;
      return;
    }
    const text = this.input.trim();
    if (text === "") return;
    this.received.push(text);
    this.history.push("", `> ${text}`, "", "● Done.");
    this.banner = [];
    this.input = "";
  }
}

/** One fake pane. */
export interface FakePane {
  record: PaneRecord;
  /** A simulated agent, or undefined for a static screen. */
  app?: FakeApp;
  /** The screen of a pane without an app. */
  text?: string[];
  /** What keys reached it (literal text and key names). */
  keys: string[];
}

let nextPid = 5000;

/** Builds a pane record with sensible defaults. */
export function paneRecord(overrides: Partial<PaneRecord> = {}): PaneRecord {
  return {
    paneId: "%0",
    pid: nextPid++,
    dead: false,
    currentCommand: "claude",
    currentPath: "/home/dev/project",
    title: "",
    windowActivity: 1_700_000_000,
    historySize: 0,
    cursorX: 0,
    cursorY: 0,
    width: 80,
    height: 30,
    inMode: false,
    sessionName: "team",
    sessionId: "$0",
    windowId: "@0",
    windowIndex: 0,
    windowName: "win",
    paneIndex: 0,
    role: "",
    name: "",
    profile: "",
    command: "",
    pm: "",
    ...overrides,
  };
}

const VARIABLES = [...PANE_FORMAT.matchAll(/#\{q:([^}]+)\}/g)].map((m) => m[1]);

function escape(value: string): string {
  return value.replace(/[^A-Za-z0-9_./-]/g, (ch) => `\\${ch}`);
}

function field(pane: PaneRecord, variable: string): string {
  switch (variable) {
    case "pane_id":
      return pane.paneId;
    case "pane_pid":
      return String(pane.pid);
    case "pane_dead":
      return pane.dead ? "1" : "0";
    case "pane_dead_status":
      return pane.deadStatus === undefined ? "" : String(pane.deadStatus);
    case "pane_current_command":
      return pane.currentCommand;
    case "pane_current_path":
      return pane.currentPath;
    case "pane_title":
      return pane.title;
    case "window_activity":
      return String(pane.windowActivity);
    case "history_size":
      return String(pane.historySize);
    case "cursor_x":
      return String(pane.cursorX);
    case "cursor_y":
      return String(pane.cursorY);
    case "pane_width":
      return String(pane.width);
    case "pane_height":
      return String(pane.height);
    case "pane_in_mode":
      return pane.inMode ? "1" : "0";
    case "session_name":
      return pane.sessionName;
    case "session_id":
      return pane.sessionId;
    case "window_id":
      return pane.windowId;
    case "window_index":
      return String(pane.windowIndex);
    case "window_name":
      return pane.windowName;
    case "pane_index":
      return String(pane.paneIndex);
    case REGISTRATION_OPTIONS.role:
      return pane.role;
    case REGISTRATION_OPTIONS.name:
      return pane.name;
    case REGISTRATION_OPTIONS.profile:
      return pane.profile;
    case REGISTRATION_OPTIONS.command:
      return pane.command;
    case REGISTRATION_OPTIONS.pm:
      return pane.pm;
    case HOOK_OPTIONS.event:
      return pane.hook ?? "";
  }
  throw new Error(`Unknown variable ${variable}`);
}

/** The fake client. */
export class FakeTmux implements TmuxClient {
  readonly panes = new Map<string, FakePane>();
  readonly calls: string[][] = [];
  readonly buffers = new Map<string, string>();
  /** No server: every command rejects with TmuxUnavailableError. */
  down = false;
  /** Panes whose capture fails. */
  failCapture = new Set<string>();
  #clock: ManualClock;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  /** Adds a pane; with `app: true` it runs a fake agent. */
  add(overrides: Partial<PaneRecord>, options: { app?: boolean; text?: string[] } = {}): FakePane {
    const pane: FakePane = {
      record: paneRecord({ windowActivity: Math.floor(this.#clock.wall() / 1000), ...overrides }),
      keys: [],
    };
    if (options.app) pane.app = new FakeApp();
    else pane.text = options.text ?? ["$ sleep 1000"];
    this.panes.set(pane.record.paneId, pane);
    return pane;
  }

  /** Changes a pane's screen (through `change`) and marks output activity. */
  touch(paneId: string, change: (pane: FakePane) => void = () => {}): void {
    const pane = this.panes.get(paneId)!;
    change(pane);
    pane.record.windowActivity = Math.floor(this.#clock.wall() / 1000);
    pane.record.cursorX = (pane.record.cursorX + 1) % 80;
  }

  /** Calls of one command name. */
  callsOf(name: string): string[][] {
    return this.calls.filter((c) => c[0] === name);
  }

  /** Calls addressed to a pane (`-t %N`). */
  callsFor(paneId: string): string[][] {
    return this.calls.filter((c) => c[c.indexOf("-t") + 1] === paneId && c.includes("-t"));
  }

  run(args: readonly string[]): Promise<string[]> {
    this.calls.push([...args]);
    try {
      return Promise.resolve(this.#run(args));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #target(args: readonly string[]): FakePane {
    const id = args[args.indexOf("-t") + 1];
    const pane = this.panes.get(id);
    if (!pane) throw new TmuxCommandError(`can't find pane: ${id}`);
    return pane;
  }

  #run(args: readonly string[]): string[] {
    if (this.down) throw new TmuxUnavailableError("no server running on /tmp/fake");
    switch (args[0]) {
      case "list-panes":
        return [...this.panes.values()].map((p) =>
          VARIABLES.map((v) => escape(field(p.record, v))).join(" ") + " ;"
        );
      case "capture-pane": {
        const pane = this.#target(args);
        if (this.failCapture.has(pane.record.paneId)) throw new TmuxCommandError("capture failed");
        return pane.app ? pane.app.screen(pane.record.width) : [...(pane.text ?? [])];
      }
      case "send-keys": {
        const pane = this.#target(args);
        if (args.includes("-l")) {
          const text = args[args.length - 1];
          pane.keys.push(text);
          this.touch(pane.record.paneId, (p) => p.app?.type(text));
        } else {
          const key = args[args.length - 1];
          pane.keys.push(`<${key}>`);
          this.touch(pane.record.paneId, (p) => key === "Enter" && p.app?.enter());
        }
        return [];
      }
      case "set-buffer": {
        const name = args[args.indexOf("-b") + 1];
        const before = args.includes("-a") ? this.buffers.get(name) ?? "" : "";
        this.buffers.set(name, before + args[args.length - 1]);
        return [];
      }
      case "paste-buffer": {
        const pane = this.#target(args);
        const text = this.buffers.get(args[args.indexOf("-b") + 1]) ?? "";
        pane.keys.push(`<paste>${text}`);
        this.touch(pane.record.paneId, (p) => p.app?.type(text.replaceAll("\n", "\r")));
        return [];
      }
      case "delete-buffer":
        return [];
      case "set-option":
        this.#target(args);
        return [];
      case "respawn-pane": {
        const pane = this.#target(args);
        const argv = args.slice(args.indexOf("--") + 1);
        pane.record.dead = false;
        pane.record.deadStatus = undefined;
        pane.record.pid = nextPid++;
        pane.record.currentCommand = argv[0].split("/").pop()!;
        pane.app = new FakeApp();
        this.touch(pane.record.paneId);
        return [];
      }
    }
    throw new TmuxCommandError(`fake tmux does not know ${args[0]}`);
  }
}

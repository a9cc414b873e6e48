/**
 * `top`'s screen, pure: from a snapshot of the store and the health files, the view state and
 * the terminal's size, the lines to show — a three-line header (monitor health and cycle time;
 * supervisor health and problems; agents per state), the agents (name, target, profile, state with colour and
 * symbol, for how long, last notice, detail), the latest events, and a footer (keys, the line
 * being typed, the last action's outcome). Every text from a pane or the store is made safe here
 * (`safeText`, after the config's secrets are redacted) before it is laid out.
 *
 * @module
 */

import type { AgentState } from "../agents/types.ts";
import { AGENT_STATES } from "../agents/types.ts";
import type { Heartbeat } from "../lifecycle/heartbeat.ts";
import type { SupervisorSnapshot } from "../lifecycle/supervisor.ts";
import { formatSpan } from "../notify/format.ts";
import type { AgentRecord, EventRecord } from "../store/store.ts";
import { safeText } from "../util/safe_text.ts";
import { redact } from "../config/mod.ts";
import { eventWhat } from "../cli/commands/events.ts";
import { describeHealth, type Tone } from "./health.ts";
import { COLORS, renderLine, type Segment, type Style } from "./style.ts";
import { activeFilter, filterAgents, scrollFor, selectedIndex, type ViewState } from "./view.ts";
import { cellWidth, fitCells } from "./width.ts";

/** How each state is drawn: a symbol (so it reads without colour) and a colour. */
export const STATE_LOOK: Readonly<Record<AgentState, { symbol: string; fg: number }>> = {
  active: { symbol: "●", fg: COLORS.green },
  idle: { symbol: "○", fg: COLORS.cyan },
  waiting: { symbol: "◆", fg: COLORS.yellow },
  stuck_input: { symbol: "▲", fg: COLORS.yellow },
  rate_limited: { symbol: "◔", fg: COLORS.magenta },
  error: { symbol: "✗", fg: COLORS.red },
  crashed: { symbol: "✖", fg: COLORS.red },
  unknown: { symbol: "?", fg: COLORS.gray },
};

const TONE_FG: Readonly<Record<Tone, number | undefined>> = {
  ok: COLORS.green,
  warn: COLORS.yellow,
  bad: COLORS.red,
  info: undefined,
};

/** What one frame is drawn from. */
export interface FrameInput {
  /** The agents, in store order. */
  agents: readonly AgentRecord[];
  /** The latest events, oldest first. */
  events: readonly EventRecord[];
  /** The heartbeat file, if readable. */
  beat?: Heartbeat;
  /** `supervisor.json`, if readable. */
  supervisor?: SupervisorSnapshot;
  /** Why there are no agents to show (no store yet, an unreadable one), if so. */
  storeProblem?: string;
  /** Wall-clock ms. */
  nowMs: number;
  /** The view state. */
  view: ViewState;
  /** The terminal's size. */
  size: { columns: number; rows: number };
  /** Colours on (`NO_COLOR` unset). */
  color: boolean;
  /** Local `HH:MM:SS` (passed in: time zones are I/O). */
  clock?: string;
}

/** One frame: its lines (exactly `rows` of them, each `columns` cells) and the scroll used. */
export interface Frame {
  /** The lines, with SGR codes. */
  lines: string[];
  /** The first agent row shown. */
  scroll: number;
}

/** Stored or pane text for the screen: the process's secrets redacted, then made safe. */
export function shownText(text: string): string {
  return safeText(redact(text));
}

/** Pane text for one cell: whitespace runs become one space, the rest is made safe. */
export function cleanCell(text: string): string {
  return shownText(text.replace(/[\s\u0085]+/g, " ").trim());
}

/** Which columns fit, and how wide each is. */
interface Columns {
  name: number;
  target: number;
  profile: number;
  state: number;
  for: number;
  notified: number;
  detail: number;
}

const GAP = 2;
const MARK = 2; // "> "

function widest(values: string[], min: number, max: number): number {
  return Math.min(max, Math.max(min, ...values.map(cellWidth)));
}

/** Column widths for `columns` cells; columns that do not fit get width 0 (dropped). */
export function columnWidths(rows: readonly AgentRow[], columns: number): Columns {
  const c: Columns = {
    name: widest(rows.map((r) => r.name), 4, 24),
    target: widest(rows.map((r) => r.target), 6, 20),
    profile: widest(rows.map((r) => r.profile), 7, 10),
    state: widest(rows.map((r) => r.state), 5, 14) + 2,
    for: 5,
    notified: 8,
    detail: 0,
  };
  const used = () =>
    MARK + [c.name, c.target, c.profile, c.state, c.for, c.notified]
      .filter((w) => w > 0).reduce((sum, w) => sum + w + GAP, 0);
  // Narrower: drop the least needed columns first; long names are cut before TARGET goes.
  for (const drop of ["notified", "profile", "name", "target", "for"] as const) {
    if (columns - used() >= 16) break;
    if (drop === "name") c.name = Math.min(c.name, 12);
    else c[drop] = 0;
  }
  if (columns - used() < 0) c.name = Math.max(1, c.name + columns - used());
  c.detail = Math.max(0, columns - used());
  return c;
}

/** An agent row's cells, made safe. */
interface AgentRow {
  paneId: string;
  name: string;
  target: string;
  profile: string;
  state: string;
  symbol: string;
  fg: number;
  gone: boolean;
  for: string;
  notified: string;
  detail: string;
}

function resetNote(resetAt: number | undefined, nowMs: number): string {
  if (resetAt === undefined) return "";
  return resetAt > nowMs ? `resets in ${formatSpan(resetAt - nowMs)}` : "reset due";
}

function agentRow(agent: AgentRecord, nowMs: number): AgentRow {
  const look = STATE_LOOK[agent.state] ?? STATE_LOOK.unknown;
  return {
    paneId: agent.paneId,
    name: (cleanCell(agent.name) || cleanCell(agent.paneId)) + (agent.role === "pm" ? " [pm]" : ""),
    target: cleanCell(agent.target) || cleanCell(agent.paneId),
    profile: cleanCell(agent.profile) || "-",
    state: agent.seen ? agent.state : `${agent.state} (gone)`,
    symbol: look.symbol,
    fg: look.fg,
    gone: !agent.seen,
    for: formatSpan(Math.max(0, nowMs - agent.since)),
    notified: agent.lastNotified === undefined
      ? "-"
      : `${formatSpan(Math.max(0, nowMs - agent.lastNotified))} ago`,
    detail: [agent.state === "rate_limited" ? resetNote(agent.resetAt, nowMs) : "", agent.detail]
      .map(cleanCell).filter((part) => part !== "").join(" · "),
  };
}

function cells(parts: [string, number, Style?][]): Segment[] {
  const out: Segment[] = [];
  for (const [text, width, style] of parts) {
    if (width <= 0) continue;
    out.push({ text: fitCells(text, width), style }, { text: " ".repeat(GAP) });
  }
  out.pop();
  return out;
}

function rowSegments(row: AgentRow, c: Columns, selected: boolean, color: boolean): Segment[] {
  const dim = row.gone ? { dim: true } : {};
  const stateStyle: Style = { fg: row.fg, bold: !row.gone, ...dim };
  return [
    { text: selected ? "> " : "  ", style: { bold: true } },
    ...cells([
      [row.name, c.name, { bold: selected, ...dim }],
      [row.target, c.target, dim],
      [row.profile, c.profile, dim],
      [`${row.symbol} ${row.state}`, c.state, color ? stateStyle : { ...dim, bold: !row.gone }],
      [row.for, c.for, dim],
      [row.notified, c.notified, dim],
      [row.detail, c.detail, { dim: true }],
    ]),
  ];
}

function headerSegments(c: Columns): Segment[] {
  return [
    { text: "  " },
    ...cells([
      ["NAME", c.name],
      ["TARGET", c.target],
      ["PROFILE", c.profile],
      ["STATE", c.state],
      ["FOR", c.for],
      ["NOTIFIED", c.notified],
      ["DETAIL", c.detail],
    ]),
  ];
}

function eventSegments(event: EventRecord, columns: number, clock: (ms: number) => string) {
  const who = event.agent ?? event.paneId ?? "-";
  const what = cleanCell(eventWhat(event));
  const to = event.toState as AgentState | undefined;
  const look = to && (AGENT_STATES as readonly string[]).includes(to) ? STATE_LOOK[to] : undefined;
  const bad = event.delivery === "failed" || event.kind === "restart";
  const agentWidth = Math.min(20, Math.max(8, Math.floor(columns / 6)));
  return [
    { text: `  ${clock(event.ts)}  `, style: { dim: true } },
    { text: fitCells(event.kind, 12) + "  " },
    { text: fitCells(cleanCell(who), agentWidth) + "  " },
    { text: what, style: { fg: bad ? COLORS.red : look?.fg } },
    { text: `  ${cleanCell(event.detail)}`, style: { dim: true } },
  ];
}

/** `HH:MM:SS` in local time. */
export function timeOfDay(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function stateCounts(agents: readonly AgentRecord[]): Segment[] {
  const present = agents.filter((a) => a.seen);
  const out: Segment[] = [{
    text: `${present.length} agent${present.length === 1 ? "" : "s"}`,
    style: { bold: true },
  }];
  for (const state of AGENT_STATES) {
    const n = present.filter((a) => a.state === state).length;
    if (n === 0) continue;
    const look = STATE_LOOK[state];
    out.push({ text: "  " }, { text: `${look.symbol} ${n} ${state}`, style: { fg: look.fg } });
  }
  return out;
}

function footerSegments(input: FrameInput, shown: number, total: number): Segment[] {
  const { view, nowMs, size } = input;
  const mode = view.mode;
  if (mode.kind === "filter") {
    return [
      { text: "filter: ", style: { bold: true } },
      { text: tail(shownText(mode.draft), size.columns - 40) + "█" },
      { text: `   ${shown}/${total} shown · Enter apply · Esc cancel`, style: { dim: true } },
    ];
  }
  if (mode.kind === "message") {
    const pane = cleanCell(mode.paneId);
    const label = `message to ${cleanCell(mode.name) || pane} (${pane}): `;
    return [
      { text: label, style: { bold: true } },
      { text: tail(shownText(mode.draft), size.columns - cellWidth(label) - 28) + "█" },
      { text: "   Enter send · Esc cancel", style: { dim: true } },
    ];
  }
  if (view.notice && nowMs - view.notice.atMs < 15_000) {
    const fg = view.notice.tone === "ok"
      ? COLORS.green
      : view.notice.tone === "error"
      ? COLORS.red
      : undefined;
    return [{ text: shownText(view.notice.text), style: { fg, bold: true } }];
  }
  const keys = "↑↓/jk select · Enter jump · e press Enter · s send · / filter · q quit";
  const filter = view.filter ? `   filter "${shownText(view.filter)}": ${shown}/${total}` : "";
  return [{ text: keys, style: { dim: true } }, { text: filter, style: { bold: true } }];
}

/** The end of `text` that fits in `width` cells (the start is cut). */
function tail(text: string, width: number): string {
  const chars = [...text];
  let start = 0;
  while (start < chars.length && cellWidth(chars.slice(start).join("")) > Math.max(1, width)) {
    start++;
  }
  return (start > 0 ? "…" : "") + chars.slice(start + (start > 0 ? 1 : 0)).join("");
}

function emptyRow(input: FrameInput, total: number): string {
  if (input.storeProblem) return cleanCell(input.storeProblem);
  if (total === 0) return "No agents yet (register one with 'tmux-orc agent register TARGET')";
  return `No agent matches "${shownText(activeFilter(input.view))}" (Esc clears the filter)`;
}

/** Lines besides the agents and events: three header lines, the column titles, the footer. */
const FIXED_LINES = 5;

/** How many lines the events get (their title included): a third of the screen, 0 if too small. */
export function eventLines(rows: number, events: number): number {
  const wanted = Math.max(2, Math.min(events, Math.floor((rows - FIXED_LINES) / 3)));
  return rows - FIXED_LINES - (wanted + 1) >= 2 ? wanted + 1 : 0;
}

/** Draws one frame. */
export function renderFrame(input: FrameInput): Frame {
  const { columns, rows } = { columns: Math.max(1, input.size.columns), rows: input.size.rows };
  const color = input.color;
  const line = (segments: Segment[], fill?: Style) =>
    renderLine(segments, columns, { color, fill });
  const health = describeHealth(input.beat, input.supervisor, input.nowMs);
  const tone = (part: { text: string; tone: Tone }): Segment => ({
    text: shownText(part.text),
    style: { fg: TONE_FG[part.tone], bold: part.tone !== "info" },
  });
  const clock = input.clock ?? timeOfDay(input.nowMs);
  const title: Segment[] = [
    { text: "tmux-orc top", style: { bold: true, reverse: true } },
    { text: "  " },
    tone(health.monitor),
  ];
  const titleWidth = title.reduce((n, s) => n + cellWidth(s.text), 0);
  const pad = columns - titleWidth - clock.length;
  if (pad >= 2) title.push({ text: " ".repeat(pad) }, { text: clock, style: { dim: true } });
  const second: Segment[] = [tone(health.supervisor)];
  const problems = [...health.problems];
  if (input.storeProblem && input.agents.length > 0) problems.push(input.storeProblem);
  for (const problem of problems) {
    second.push({ text: `   ⚠ ${shownText(problem)}`, style: { fg: COLORS.red, bold: true } });
  }
  const lines = [line(title), line(second), line(stateCounts(input.agents))];

  const all = input.agents.map((a) => agentRow(a, input.nowMs));
  const shownAgents = filterAgents(input.agents, activeFilter(input.view));
  const shownIds = new Set(shownAgents.map((a) => a.paneId));
  const shown = all.filter((row) => shownIds.has(row.paneId));
  const c = columnWidths(shown.length > 0 ? shown : all, columns);
  const eventsHeight = eventLines(rows, input.events.length);
  const listHeight = Math.max(0, rows - FIXED_LINES - eventsHeight);
  const index = selectedIndex(input.view, shown);
  const scroll = scrollFor(input.view.scroll, {
    selected: index,
    height: listHeight,
    count: shown.length,
  });
  lines.push(line(headerSegments(c), { bold: true, dim: true }));
  for (let i = 0; i < listHeight; i++) {
    const row = shown[scroll + i];
    if (row) {
      const selected = scroll + i === index && input.view.mode.kind !== "filter";
      lines.push(line(rowSegments(row, c, selected, color), selected ? { reverse: true } : {}));
    } else if (i === 0 && shown.length === 0) {
      lines.push(line([{ text: `  ${emptyRow(input, all.length)}`, style: { dim: true } }]));
    } else lines.push(line([]));
  }
  if (eventsHeight > 0) {
    const more = shown.length > listHeight
      ? ` ${scroll + 1}-${Math.min(shown.length, scroll + listHeight)} of ${shown.length} agents `
      : "";
    const rule = `── events ${"─".repeat(Math.max(0, columns - 10 - more.length - 2))}${more}──`;
    lines.push(line([{ text: rule, style: { dim: true } }]));
    const latest = input.events.slice(-(eventsHeight - 1));
    for (let i = 0; i < eventsHeight - 1; i++) {
      const event = latest[i];
      if (event) lines.push(line(eventSegments(event, columns, timeOfDay)));
      else if (i === 0) lines.push(line([{ text: "  No events yet", style: { dim: true } }]));
      else lines.push(line([]));
    }
  }
  lines.push(line(footerSegments(input, shown.length, all.length)));
  return { lines: lines.slice(0, Math.max(0, rows)), scroll };
}

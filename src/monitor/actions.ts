/**
 * What the monitor does about one agent's new observation, as data from a pure function
 * ({@linkcode decideActions}), and the two actions that touch a pane ({@linkcode runAction}):
 *
 * - stuck input (text left unsent in an agent's prompt): press Enter once (`submitStuck`); the
 *   PM is told when the same text is still stuck the cycle after, not before;
 * - crashed, registered with a `@tmux-orc-command`: respawn the pane with it (`restartCrashed`,
 *   throttled by {@linkcode RestartThrottle}; a refusal is recorded once, on the transition);
 * - `unknown` for `notifyUnknownAfterMs`: the PM is told once per episode.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { AgentState, Observation } from "../agents/types.ts";
import type { EndedProcesses, ProcessTable } from "../actions/pane_processes.ts";
import { restartCrashedPane } from "../actions/restart.ts";
import type { Transition } from "../notify/policy.ts";
import { errorMessage } from "../state/errors.ts";
import { sendKey } from "../tmux/commands.ts";
import type { TmuxClient } from "../tmux/types.ts";
import type { StuckEpisode } from "./persist.ts";
import type { AgentPane } from "./registry.ts";
import type { StoreOp } from "./write_queue.ts";

/** An action on one agent's pane. */
export type Action =
  /** Press Enter once to submit the stuck `text`. */
  | { kind: "submit_stuck"; agent: AgentPane; text: string }
  /** Respawn the crashed pane with its registered command. */
  | { kind: "restart"; agent: AgentPane }
  /** A restart the throttle refused: recorded, nothing done. */
  | { kind: "restart_refused"; agent: AgentPane; reason: string };

/** What the agent's memory carries between cycles that the decision reads and replaces. */
export interface ActionMemory {
  /** The current stuck-input episode. */
  stuck?: StuckEpisode;
  /** Whether the PM was told about the current `unknown` episode. */
  unknownTold?: boolean;
}

/** What {@linkcode decideActions} decides for one agent. */
export interface ActionDecision {
  /** What to do (in order). */
  actions: Action[];
  /** What the notification policy should hear about (transitions and reminders). */
  notices: Transition[];
  /** The agent's memory after this cycle. */
  memory: ActionMemory;
  /** Capture the pane next cycle whatever its change key says (an action was taken). */
  confirm: boolean;
}

/** The monitor options the decision reads. */
export interface ActionOptions {
  /** Press Enter once for stuck input. */
  submitStuck: boolean;
  /** Respawn crashed registered agents. */
  restartCrashed: boolean;
  /** How long an agent is `unknown` before its PM is told (ms). */
  notifyUnknownAfterMs: number;
}

/** The transition from the previous observation's state, if the state changed. */
export function transitionOf(
  agent: AgentPane,
  previous: AgentState | undefined,
  observation: Observation,
): Transition | undefined {
  const from: AgentState = previous ?? "unknown";
  if (from === observation.state) return undefined;
  return {
    agentKey: agent.key,
    agentName: agent.name,
    paneId: agent.pane.paneId,
    pmPaneId: agent.pmPaneId,
    from,
    to: observation.state,
    detail: observation.detail,
    resetAt: observation.resetAt,
    at: observation.since,
  };
}

/** The input of {@linkcode decideActions}. */
export interface ActionInput {
  /** The agent. */
  agent: AgentPane;
  /** This cycle's observation. */
  observation: Observation;
  /** The transition into it, if the state changed. */
  transition: Transition | undefined;
  /** What the agent's memory carried into this cycle. */
  memory: ActionMemory;
  /** Whether the restart throttle allows a restart now (asked only for a crashed agent). */
  restartCheck: () => { ok: true } | { ok: false; reason: string };
  /** Wall ms now. */
  wallNow: number;
}

/** Decides the actions and notices for one agent (pure; see the module documentation). */
export function decideActions(input: ActionInput, options: ActionOptions): ActionDecision {
  const { agent, observation, transition } = input;
  const actions: Action[] = [];
  let confirm = false;
  let notice = transition;
  let stuck = input.memory.stuck;
  if (observation.state === "stuck_input" && agent.role === "agent") {
    let episode = stuck && stuck.text === observation.inputText
      ? { ...stuck }
      : { text: observation.inputText, entered: false, told: false };
    if (options.submitStuck && !episode.entered) {
      episode = { ...episode, entered: true };
      confirm = true;
      notice = undefined;
      actions.push({ kind: "submit_stuck", agent, text: episode.text });
    } else if (options.submitStuck && !episode.told) {
      episode = { ...episode, told: true };
      notice = {
        agentKey: agent.key,
        agentName: agent.name,
        paneId: agent.pane.paneId,
        pmPaneId: agent.pmPaneId,
        from: "stuck_input",
        to: "stuck_input",
        detail: "still stuck after pressing Enter",
        at: observation.since,
      };
    }
    stuck = episode;
  } else if (observation.state !== "stuck_input") {
    stuck = undefined;
  }
  if (
    observation.state === "crashed" && options.restartCrashed &&
    agent.source === "registered" && agent.pane.command.trim() !== ""
  ) {
    const check = input.restartCheck();
    if (check.ok) {
      confirm = true;
      actions.push({ kind: "restart", agent });
    } else if (transition) {
      actions.push({ kind: "restart_refused", agent, reason: check.reason });
    }
  }
  const notices = notice && agent.role === "agent" ? [notice] : [];
  const unknown = unknownNotice(
    agent,
    observation,
    input.memory.unknownTold,
    input.wallNow,
    options,
  );
  if (unknown.notice) notices.push(unknown.notice);
  return { actions, notices, memory: { stuck, unknownTold: unknown.told }, confirm };
}

/**
 * The notice for an agent that has stayed `unknown` for `notifyUnknownAfterMs` (once per
 * episode): its screen shows nothing its profile recognises, so the PM should look. Returns the
 * notice, if due, and whether the episode has been told.
 */
export function unknownNotice(
  agent: AgentPane,
  observation: Observation,
  told: boolean | undefined,
  wallNow: number,
  options: Pick<ActionOptions, "notifyUnknownAfterMs">,
): { notice?: Transition; told: boolean | undefined } {
  if (observation.state !== "unknown") return { told: undefined };
  if (told || agent.role !== "agent") return { told };
  if (wallNow - observation.since < options.notifyUnknownAfterMs) return { told };
  return {
    told: true,
    notice: {
      agentKey: agent.key,
      agentName: agent.name,
      paneId: agent.pane.paneId,
      pmPaneId: agent.pmPaneId,
      from: "unknown",
      to: "unknown",
      detail: observation.detail,
      at: observation.since,
      notify: true,
    },
  };
}

/** What running an action needs. */
export interface ActionDeps {
  /** The tmux connection. */
  tmux: TmuxClient;
  /** Every action is logged. */
  logger: Logger;
  /** Process table used to end a crashed pane's old processes (default `ps`). */
  processes?: ProcessTable;
  /** Called when a restart failed (the pane was not respawned). */
  onRestartFailed?: (paneId: string) => void;
}

/**
 * The history row of a refused restart (logged too). Written with the cycle's other decisions,
 * before any pane is touched.
 */
export function refusalRecord(
  action: Extract<Action, { kind: "restart_refused" }>,
  logger: Logger,
  wallNow: number,
): StoreOp {
  const { agent, reason } = action;
  const id = agent.pane.paneId;
  logger.warn("{agent} ({pane}): not restarting: {reason}", {
    agent: agent.name,
    pane: id,
    reason,
  });
  return actionRecord(agent, wallNow, {
    toState: "crashed",
    detail: `not restarting: ${reason}`,
    extra: { action: "restart", skipped: true },
  });
}

/** The `action` event one agent's action leaves in the history. */
function actionRecord(
  agent: AgentPane,
  wallNow: number,
  event: { toState: AgentState; detail: string; extra: Record<string, unknown> },
): StoreOp {
  return (store) =>
    store.recordEvent({
      ts: wallNow,
      kind: "action",
      agent: agent.name,
      paneId: agent.pane.paneId,
      ...event,
    });
}

/**
 * Runs one action on a pane and returns the history row it leaves (an `action` or `restart`
 * event). Never throws for tmux trouble: a failed action is recorded as failed.
 */
export async function runAction(
  action: Exclude<Action, { kind: "restart_refused" }>,
  deps: ActionDeps,
  wallNow: number,
): Promise<StoreOp> {
  const { agent } = action;
  const id = agent.pane.paneId;
  if (action.kind === "submit_stuck") {
    let outcome = "pressed Enter to submit stuck input";
    let failed = false;
    try {
      await sendKey(deps.tmux, id, "Enter");
    } catch (error) {
      failed = true;
      outcome = `cannot press Enter: ${errorMessage(error)}`;
    }
    deps.logger.info("{agent} ({pane}): {outcome}", { agent: agent.name, pane: id, outcome });
    return actionRecord(agent, wallNow, {
      toState: "stuck_input",
      detail: outcome,
      extra: { action: "submit_stuck", text: action.text, failed },
    });
  }
  return await restart(agent, deps, wallNow);
}

async function restart(agent: AgentPane, deps: ActionDeps, wallNow: number): Promise<StoreOp> {
  const id = agent.pane.paneId;
  let detail: string;
  let failed = false;
  let ended: EndedProcesses | undefined;
  try {
    const report = await restartCrashedPane(deps.tmux, agent.pane, agent.pane.command, {
      processes: deps.processes,
    });
    ended = report.ended;
    detail = `restarted the crashed agent: ${report.argv.join(" ")}${endedText(ended)}`;
    deps.logger.warn("{agent} ({pane}): {detail}", { agent: agent.name, pane: id, detail });
  } catch (error) {
    failed = true;
    deps.onRestartFailed?.(id);
    detail = `cannot restart the crashed agent: ${errorMessage(error)}`;
    deps.logger.error("{agent} ({pane}): {detail}", { agent: agent.name, pane: id, detail });
  }
  return (store) =>
    store.recordEvent({
      ts: wallNow,
      kind: "restart",
      agent: agent.name,
      paneId: id,
      toState: "crashed",
      detail,
      extra: {
        action: "restart",
        command: agent.pane.command,
        failed,
        dead: agent.pane.dead,
        ...(ended ? { ended: { found: ended.found, killed: ended.killed, left: ended.left } } : {}),
      },
    });
}

function endedText(ended: EndedProcesses | undefined): string {
  if (!ended || ended.found === 0) return "";
  const killed = ended.killed > 0 ? `, ${ended.killed} needed SIGKILL` : "";
  const left = ended.left.length > 0 ? `, ${ended.left.length} still alive` : "";
  return ` (ended ${ended.found} old processes${killed}${left})`;
}

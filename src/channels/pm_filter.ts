/**
 * The `pm` channel: today's PM messages, on by default. Its table may turn them off
 * (`enabled = false`) or narrow them (`states`, `agents`, `sessions`).
 *
 * @module
 */

import { AGENT_STATES } from "../agents/types.ts";
import type { Transition } from "../notify/policy.ts";
import type { AgentPane } from "../monitor/registry.ts";
import { filterAccepts } from "./glob.ts";
import type { Channel } from "./types.ts";

/** Whether PM messages are sent, and which transitions they may be about (`undefined`: all). */
export interface PmFilter {
  /** PM messages are sent at all. */
  enabled: boolean;
  /** Whether the PM hears about this transition (absent: every one). */
  accepts?: (transition: Transition, agents: readonly AgentPane[]) => boolean;
}

/** The PM filter of a channel list (no `pm` channel: on, unfiltered). */
export function pmFilter(channels: readonly Channel[]): PmFilter {
  const pm = channels.find((c) => c.type === "pm");
  if (!pm) return { enabled: true };
  const { states, agents, sessions } = pm.filter;
  if (states.size === AGENT_STATES.length && agents.length === 0 && sessions.length === 0) {
    return { enabled: pm.enabled };
  }
  return {
    enabled: pm.enabled,
    accepts: (transition, panes) => {
      const session = panes.find((a) => a.pane.paneId === transition.paneId)?.pane.sessionName ??
        "";
      return filterAccepts(pm.filter, {
        state: transition.to,
        name: transition.agentName,
        session,
      });
    },
  };
}

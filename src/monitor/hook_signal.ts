/**
 * The monitor's side of hooks: each cycle, the pane's `@tmux-orc-hook` (read by the one
 * `list-panes`) is combined with the screen's observation (`agents/hook_events.ts` has the
 * precedence), a contradiction is logged once per event with both facts, and a pane whose hook
 * value changed is captured at once.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { combineHook } from "../agents/hook_events.ts";
import type { Observation } from "../agents/types.ts";
import { parseHookValue } from "../hooks/event.ts";
import type { PaneMemory } from "./memory.ts";
import type { AgentPane } from "./registry.ts";

/** Whether the pane's hook value differs from the one the monitor saw last (capture it now). */
export function hookChanged(agent: AgentPane, memory: PaneMemory | undefined): boolean {
  return !agent.pane.dead && (agent.pane.hook ?? "") !== (memory?.hook ?? "");
}

/**
 * The observation to keep for `agent`: the screen's, or a fresh hook's state on top of it. A
 * contradiction is logged unless `memory` shows it was logged for this event already.
 */
export function applyHook(
  agent: AgentPane,
  screen: Observation,
  context: { memory?: PaneMemory; wallNow: number; logger: Logger },
): { observation: Observation; noted?: string } {
  const event = parseHookValue(agent.pane.hook ?? "");
  const combined = combineHook(screen, event, {
    wallNow: context.wallNow,
    previous: context.memory?.observation,
  });
  const c = combined.contradiction;
  if (!c) return { observation: combined.observation, noted: context.memory?.hookNoted };
  const key = `${c.at}:${c.screen}`;
  if (context.memory?.hookNoted !== key) {
    context.logger.info(
      "{agent} ({pane}): the hook says {hook} ({event}, {age} ms ago) but the screen says " +
        "{screen} ({screenDetail}): the {winner} decides",
      {
        agent: agent.name,
        pane: agent.pane.paneId,
        ...c,
        age: Math.max(0, context.wallNow - c.at),
      },
    );
  }
  return { observation: combined.observation, noted: key };
}

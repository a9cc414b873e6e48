/**
 * Shell-style globs for channel filters: `*` any run of characters, `?` one character, `[abc]` a
 * class; everything else literal. A glob matches the whole name.
 *
 * @module
 */

import type { AgentState } from "../agents/types.ts";
import type { ChannelFilter } from "./types.ts";

/**
 * Compiles a glob to an anchored regular expression.
 *
 * @example
 * ```ts
 * globToRegExp("back*").test("backend"); // true
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) {
        source += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      source += `[${body}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

/** Whether a channel's filter takes an agent in `state`, named `name`, in session `session`. */
export function filterAccepts(
  filter: ChannelFilter,
  agent: { state: AgentState; name: string; session: string },
): boolean {
  return filter.states.has(agent.state) && matchesAny(filter.agents, agent.name) &&
    matchesAny(filter.sessions, agent.session);
}

/** Whether `name` matches one of `globs` (an empty list matches everything). */
export function matchesAny(globs: readonly RegExp[], name: string): boolean {
  return globs.length === 0 || globs.some((glob) => glob.test(name));
}

/**
 * The child side of {@linkcode ProcessDetector} (`tmux-orc monitor --detect-child`, see
 * `detector.ts`): reads JSON lines on stdin — first the profiles, then one detection job per
 * line — and answers each job with one JSON line on stdout; the first answer and then every
 * {@linkcode RSS_REPORT_EVERY}th also carries the child's resident memory (`rss`, bytes), so
 * the monitor can replace a child that has grown (see `detector.ts`). Exits at EOF.
 *
 * @module
 */

import { detectState } from "../agents/detect.ts";
import type { AgentProfile } from "../agents/profiles.ts";
import { type DetectRequest, reviveProfiles, RSS_REPORT_EVERY } from "./detector.ts";
import { decodedText } from "../util/text_stream.ts";

/** Runs the child until stdin closes. Resolves with the exit code. */
export async function runDetectChild(): Promise<number> {
  const encoder = new TextEncoder();
  const out = Deno.stdout.writable.getWriter();
  let profiles = new Map<string, AgentProfile>();
  let buffer = "";
  let jobs = 0;
  await out.write(encoder.encode(JSON.stringify({ ready: true }) + "\n"));
  for await (const text of decodedText(Deno.stdin.readable)) {
    buffer += text;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line === "") continue;
      const message = JSON.parse(line);
      if (message.profiles) {
        profiles = reviveProfiles(message.profiles);
        continue;
      }
      const request = message as DetectRequest;
      let reply: Record<string, unknown>;
      try {
        const profile = profiles.get(request.profileName) ??
          reviveProfiles([[request.profileName, request.profile]]).get(request.profileName);
        if (!profile) throw new Error(`Unknown profile: ${request.profileName}`);
        reply = {
          id: request.id,
          observation: detectState({ ...request.input, profile }, request.options),
        };
      } catch (error) {
        reply = { id: request.id, error: (error as Error).message };
      }
      if (++jobs % RSS_REPORT_EVERY === 1) reply.rss = Deno.memoryUsage().rss;
      await out.write(encoder.encode(JSON.stringify(reply) + "\n"));
    }
  }
  return 0;
}

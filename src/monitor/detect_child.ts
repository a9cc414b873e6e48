/**
 * The child side of {@linkcode ProcessDetector} (`tmux-orc monitor --detect-child`, see
 * `detector.ts`): reads JSON lines on stdin — first the profiles, then one detection job per
 * line — and answers each job with one JSON line on stdout. Exits at EOF.
 *
 * @module
 */

import { detectState } from "../agents/detect.ts";
import type { AgentProfile } from "../agents/profiles.ts";
import { type DetectRequest, reviveProfiles } from "./detector.ts";
import { decodedText } from "../util/text_stream.ts";

/** Runs the child until stdin closes. Resolves with the exit code. */
export async function runDetectChild(): Promise<number> {
  const encoder = new TextEncoder();
  const out = Deno.stdout.writable.getWriter();
  let profiles = new Map<string, AgentProfile>();
  let buffer = "";
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
      await out.write(encoder.encode(JSON.stringify(reply) + "\n"));
    }
  }
  return 0;
}

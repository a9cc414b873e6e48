/**
 * The user's profile overrides, `<state-dir>/profiles.json` (see `loadProfiles` for the format):
 * read once when the monitor starts (and by `agent register` and `send` to know the profile
 * names). A missing file means the built-in profiles; a bad one is one clear error line.
 *
 * @module
 */

import { type AgentProfile, loadProfiles } from "../agents/profiles.ts";
import { UserError } from "../state/errors.ts";

/**
 * Returns the built-in profiles with `path` merged over them when it exists. Throws a
 * {@linkcode UserError} naming the file for unreadable JSON or an invalid profile.
 */
export function readProfilesFile(path: string): Map<string, AgentProfile> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return loadProfiles();
    throw new UserError(`Cannot read profiles file: ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`Invalid profiles file: ${path}: ${(error as Error).message}`);
  }
  try {
    // Test switch: lets a chaos test prove the detection deadline with a catastrophic pattern.
    const allowUnsafePatterns = Deno.env.get("TMUX_ORC_TEST_ALLOW_UNSAFE_PATTERNS") === "1";
    return loadProfiles(json, { allowUnsafePatterns });
  } catch (error) {
    throw new UserError(`Invalid profiles file: ${path}: ${(error as Error).message}`);
  }
}

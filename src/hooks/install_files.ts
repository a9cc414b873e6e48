/**
 * `tmux-orc hooks install`: reads the agent CLI's configuration file, merges our hooks in (or
 * takes them out), keeps a backup of the old file and writes the new one atomically. The merge
 * itself is pure (`install.ts`, `install_toml.ts`).
 *
 * - The file's mode is kept (0600 for a new file); its directory is created 0700 if missing.
 * - A symlinked settings file (dotfiles) is edited where it points: the link stays.
 * - The backup is `FILE.tmux-orc-backup-YYYYMMDDTHHMMSS.mmmZ`, written before the new file.
 * - A file that is not valid JSON/TOML, or whose `hooks` has an unexpected shape, is refused
 *   with one line; so is a Codex `notify` that is not ours.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { UserError } from "../state/errors.ts";
import { writeFileAtomic } from "../state/atomic.ts";
import type { HookCli } from "./event.ts";
import { type JsonObject, mergeIntoSettings, removeFromSettings } from "./install.ts";
import { editCodexNotify } from "./install_toml.ts";

/** Where to install. */
export interface InstallTarget {
  /** The CLI. */
  cli: HookCli;
  /** `user`: the CLI's per-user file; `project`: the file under `projectDir`. */
  scope: "user" | "project";
  /** The project directory for `project`. */
  projectDir?: string;
}

/** The configuration file for `target` (`env` for HOME, CLAUDE_CONFIG_DIR, CODEX_HOME). */
export function configPath(
  target: InstallTarget,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const file = target.cli === "codex" ? "config.toml" : "settings.json";
  const dot = `.${target.cli}`;
  if (target.scope === "project") {
    if (!target.projectDir) throw new UserError("Invalid value for --project: no directory");
    return join(target.projectDir, dot, file);
  }
  if (target.cli === "claude" && env("CLAUDE_CONFIG_DIR")) {
    return join(env("CLAUDE_CONFIG_DIR")!, file);
  }
  if (target.cli === "codex" && env("CODEX_HOME")) return join(env("CODEX_HOME")!, file);
  const home = env("HOME");
  if (!home) throw new UserError("Cannot find your home directory: $HOME is not set");
  return join(home, dot, file);
}

/** The outcome of an install or uninstall. */
export interface InstallResult {
  /** The file (as given, before following a symlink). */
  path: string;
  /** `written`, or `unchanged` when the file already was as wanted. */
  status: "written" | "unchanged";
  /** The backup of the old file, when there was one. */
  backup?: string;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UserError(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseSettings(text: string | undefined, path: string): JsonObject {
  if (text === undefined || text.trim() === "") return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`Cannot edit ${path}: it is not valid JSON: ${(error as Error).message}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UserError(`Cannot edit ${path}: it is not a JSON object`);
  }
  return data as JsonObject;
}

/** The new text of the file, or `undefined` when nothing changes. */
function newText(
  target: InstallTarget,
  text: string | undefined,
  options: { path: string; self: readonly string[]; install: boolean },
): string | undefined {
  const { path, self, install } = options;
  if (target.cli === "codex") {
    let edit;
    try {
      edit = editCodexNotify(text ?? "", { self, install, path });
    } catch (error) {
      throw new UserError(`Cannot edit ${path}: ${(error as Error).message}`);
    }
    if (edit.status === "foreign") {
      if (!install) return undefined;
      throw new UserError(
        `Refusing to replace Codex's notify in ${path}: it runs another program ` +
          `(${JSON.stringify(edit.notify)}); Codex has one notify command: remove it first`,
      );
    }
    return edit.status === "changed" ? edit.text : undefined;
  }
  const settings = parseSettings(text, path);
  let next: JsonObject;
  try {
    next = install
      ? mergeIntoSettings(settings, target.cli, self)
      : removeFromSettings(settings, target.cli);
  } catch (error) {
    throw new UserError(`Cannot edit ${path}: ${(error as Error).message}`);
  }
  const out = `${JSON.stringify(next, null, 2)}\n`;
  if (text !== undefined && JSON.stringify(settings) === JSON.stringify(next)) return undefined;
  if (text === undefined && !install) return undefined;
  return out;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "");
}

/**
 * Installs (`install: true`) or removes our hooks in the file of `target`. `self` is the argv
 * prefix that runs this program (`selfCommand()`).
 */
export async function applyHooks(
  target: InstallTarget,
  options: { self: readonly string[]; install: boolean; path?: string; now?: Date },
): Promise<InstallResult> {
  const path = options.path ?? configPath(target);
  let real = path;
  try {
    if ((await Deno.lstat(path)).isSymlink) real = await Deno.realPath(path);
  } catch { /* missing: created below */ }
  const text = await readIfExists(real);
  const next = newText(target, text, { path, self: options.self, install: options.install });
  if (next === undefined) return { path, status: "unchanged" };
  let mode = 0o600;
  let backup: string | undefined;
  if (text !== undefined) {
    mode = ((await Deno.stat(real)).mode ?? 0o600) & 0o777;
    backup = `${real}.tmux-orc-backup-${stamp(options.now ?? new Date())}`;
    const file = await Deno.open(backup, { write: true, createNew: true, mode: 0o600 });
    try {
      await file.write(new TextEncoder().encode(text));
    } finally {
      file.close();
    }
    await Deno.chmod(backup, mode);
  } else {
    await Deno.mkdir(dirname(real), { recursive: true, mode: 0o700 });
  }
  await writeFileAtomic(real, next, { mode });
  return backup ? { path, status: "written", backup } : { path, status: "written" };
}

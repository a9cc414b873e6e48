/**
 * Facts about the program in a pane's foreground, read from `/proc` (Linux; elsewhere, or
 * without permission, there are none): its command line and the npm package it runs, with that
 * package's version. `tmux-orc capture` records them next to a screen, so a fixture says exactly
 * which CLI version drew it.
 *
 * The foreground process is the leader of the terminal's foreground process group (`tpgid` of
 * the pane's first process), the process tmux names in `pane_current_command`. Deno lets only
 * `--allow-all` read `/proc/<pid>/…`, so where that is refused these facts come from `ps`
 * (`tpgid`, `args`); where neither works there are none. Informational only: nothing is decided
 * on them.
 *
 * @module
 */

import { delimiter, dirname, isAbsolute, join } from "node:path";

/** What is known about a pane's foreground program. */
export interface ProcessFacts {
  /** Its pid. */
  pid: number;
  /** Its argv (each argument cut to 200 characters, at most 8 of them). */
  argv: string[];
  /** The npm package that its executable or script belongs to, if any. */
  package?: { name: string; version: string };
}

const MAX_ARGS = 8;
const MAX_ARG = 200;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/** `ps -o FIELD= -p PID`, trimmed; `undefined` when `ps` is missing or knows no such process. */
async function ps(field: string, pid: number): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("ps", {
      args: ["-o", `${field}=`, "-p", String(pid)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && text !== "" ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The foreground process group of the terminal that `pid` runs on (`tpgid`). */
export async function foregroundPid(pid: number): Promise<number | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = await readText(`/proc/${pid}/stat`);
  // "pid (comm) state ppid pgrp session tty_nr tpgid …"; comm may contain spaces and parens.
  const tpgid = Number(
    stat !== undefined
      ? stat.slice(stat.lastIndexOf(")") + 2).split(" ")[5]
      : await ps("tpgid", pid),
  );
  return Number.isInteger(tpgid) && tpgid > 0 ? tpgid : undefined;
}

/** A process's argv: `/proc/PID/cmdline`, else `ps -o args=` split at blanks. */
async function processArgv(pid: number): Promise<string[] | undefined> {
  const cmdline = await readText(`/proc/${pid}/cmdline`);
  const argv = cmdline !== undefined ? cmdline.split("\0") : (await ps("args", pid))?.split(/\s+/);
  const args = argv?.filter((arg) => arg !== "").slice(0, MAX_ARGS).map((a) => a.slice(0, MAX_ARG));
  return args && args.length > 0 ? args : undefined;
}

/** A command as the shell would find it: a path as is, a bare name looked up in `PATH`. */
async function onPath(command: string): Promise<string | undefined> {
  if (command.includes("/")) return command;
  let path = "";
  try {
    path = Deno.env.get("PATH") ?? "";
  } catch { /* no env permission */ }
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    try {
      if ((await Deno.stat(join(dir, command))).isFile) return join(dir, command);
    } catch { /* not here */ }
  }
  return undefined;
}

/**
 * The npm package a file belongs to: the nearest `package.json` with a name and a version, at
 * most six directories up from the file's real path.
 */
export async function packageOf(
  file: string,
): Promise<{ name: string; version: string } | undefined> {
  let dir: string;
  try {
    dir = dirname(await Deno.realPath(file));
  } catch {
    return undefined;
  }
  for (let i = 0; i < 6; i++) {
    const text = await readText(join(dir, "package.json"));
    if (text !== undefined) {
      try {
        const json = JSON.parse(text);
        if (typeof json?.name === "string" && typeof json?.version === "string") {
          return { name: json.name.slice(0, 100), version: json.version.slice(0, 50) };
        }
      } catch { /* not JSON: keep looking */ }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * Facts about the foreground program of a pane whose first process is `panePid`, or `undefined`
 * when `/proc` cannot tell (not Linux, no permission, the process is gone).
 */
export async function readProcessFacts(panePid: number): Promise<ProcessFacts | undefined> {
  const pid = await foregroundPid(panePid) ?? panePid;
  const argv = await processArgv(pid);
  if (argv === undefined) return undefined;
  const facts: ProcessFacts = { pid, argv };
  // A script given to a runtime (`node …/cli.js`), then the executable itself (a native build).
  const cwd = await Deno.realPath(`/proc/${pid}/cwd`).catch(() => undefined);
  const candidates: string[] = [];
  for (const arg of argv.slice(1, 3)) {
    if (arg.startsWith("-")) continue;
    if (isAbsolute(arg)) candidates.push(arg);
    else if (cwd !== undefined && arg.includes("/")) candidates.push(join(cwd, arg));
  }
  const exe = await onPath(argv[0]);
  if (exe !== undefined) candidates.push(exe);
  for (const file of candidates) {
    const found = await packageOf(file);
    if (found) {
      facts.package = found;
      break;
    }
  }
  return facts;
}

/**
 * What the build scripts share: the repository root, the commit, a stamped copy of the sources
 * (the working tree is never written), running deno and other tools as argv arrays, finding Deno's
 * runtime (denort) for `deno compile`, and failing with one clear line.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS, V8_FLAGS_ARG } from "../src/permissions.ts";
import { errorMessage } from "../src/state/errors.ts";
import {
  binaryTarget,
  denortCachePath,
  isRuntimeFailure,
  renderBuildInfo,
  runtimeMissingMessage,
  targetRuntimeVariable,
} from "../src/ship/release.ts";
import { VERSION } from "../src/version.ts";

/** The repository root (with a trailing slash removed). */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** Where builds go. */
export const DIST: string = join(ROOT, "dist");

/** A failure the scripts report as one line (exit 1), never with a stack trace. */
export class BuildError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

/** Runs a script's main function: prints a failure as one line on stderr and exits non-zero. */
export async function runScript(main: () => Promise<number | void>): Promise<never> {
  let code = 0;
  try {
    code = (await main()) ?? 0;
  } catch (error) {
    const message = errorMessage(error);
    console.error(error instanceof BuildError ? message : `Unexpected error: ${message}`);
    code = 1;
  }
  Deno.exit(code);
}

/** The outcome of a command. */
export interface CommandResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `argv` to completion with piped output. A missing program is a {@linkcode BuildError}. */
export async function run(
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new BuildError(`Cannot run ${argv[0]}: not found on PATH`);
    }
    throw error;
  }
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The first lines of a tool's error output, without deno's empty backtrace, on one line. */
export function errorDetail(stderr: string): string {
  return stderr.split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !/^Stack backtrace:|^\d+: <unknown>$/.test(l))
    .slice(0, 6).join(" | ");
}

/** The current deno (the one running this script). */
export const DENO: string = Deno.execPath();

/**
 * The commit to stamp: `git rev-parse --short=12 HEAD`, with `-dirty` when tracked files differ;
 * `TMUX_ORC_COMMIT` when set; `unknown` outside a git checkout.
 */
export async function buildCommit(): Promise<string> {
  const fromEnv = Deno.env.get("TMUX_ORC_COMMIT");
  if (fromEnv) return fromEnv;
  try {
    const head = await run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"]);
    if (head.code !== 0) return "unknown";
    const status = await run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]);
    const dirty = status.code === 0 && status.stdout.trim() !== "";
    return `${head.stdout.trim()}${dirty ? "-dirty" : ""}`;
  } catch {
    return "unknown";
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) await copyTree(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

/**
 * Copies what the program is built from (`main.ts`, `deno.json`, `deno.lock`, `src/`) into a new
 * temporary directory and stamps `src/build_info.ts` there with `commit`. The caller removes it.
 */
export async function stageSources(commit: string): Promise<string> {
  const stage = await Deno.makeTempDir({ prefix: "tmux-orc-build-" });
  try {
    for (const file of ["main.ts", "deno.json", "deno.lock"]) {
      try {
        await Deno.copyFile(join(ROOT, file), join(stage, file));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound) || file !== "deno.lock") throw error;
      }
    }
    await copyTree(join(ROOT, "src"), join(stage, "src"));
    await Deno.writeTextFile(join(stage, "src", "build_info.ts"), renderBuildInfo(commit));
    return stage;
  } catch (error) {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** The first line of `tmux-orc --version` that a build must print. */
export function expectedVersionLine(commit: string): string {
  return `tmux-orc ${VERSION} (commit ${commit},`;
}

/** Where deno keeps its cache (`deno info --json`'s `denoDir`). */
export async function denoDir(): Promise<string> {
  const info = await run([DENO, "info", "--json"]);
  try {
    return JSON.parse(info.stdout).denoDir as string;
  } catch {
    throw new BuildError(`Cannot find deno's cache directory: deno info failed: ${info.stderr}`);
  }
}

/** Where the runtime for a target comes from. */
export interface RuntimeSource {
  /** Extra environment for `deno compile` (`DENORT_BIN` when a binary was named). */
  env: Record<string, string>;
  /** For messages: where it came from. */
  description: string;
  /** For messages: the variable that would name a runtime for this target. */
  variable: string;
  /** A runtime archive this run copied into deno's cache: removed again if it proves bad. */
  seeded?: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Finds Deno's runtime (denort) for `target`, in order: `DENORT_BIN_<TARGET>`; `DENORT_BIN` when
 * `allowPlain` (one target); `--denort-dir` holding `denort-<target>` (a binary) or
 * `denort-<target>.zip` (copied into deno's own download cache, where `deno compile` looks before
 * downloading); else deno's cache or its download. A named file that is missing fails at once.
 */
export async function findRuntime(
  target: string,
  options: { denortDir?: string; allowPlain: boolean },
): Promise<RuntimeSource> {
  const perTarget = targetRuntimeVariable(target);
  const named = Deno.env.get(perTarget) ? perTarget : undefined;
  const plain = options.allowPlain && Deno.env.get("DENORT_BIN") ? "DENORT_BIN" : undefined;
  const hint = options.allowPlain ? "DENORT_BIN" : perTarget;
  const variable = named ?? plain;
  if (variable) {
    const path = Deno.env.get(variable)!;
    if (!(await isFile(path))) {
      throw new BuildError(
        `${runtimeMissingMessage(target, Deno.version.deno, { variable: hint })} (${variable} ` +
          `names ${path}, ` +
          "which does not exist)",
      );
    }
    return { env: { DENORT_BIN: path }, description: `${variable}=${path}`, variable: hint };
  }
  if (!options.allowPlain && Deno.env.get("DENORT_BIN")) {
    throw new BuildError(
      `Cannot compile: DENORT_BIN names one runtime but several targets were selected: set ` +
        `${perTarget} (one variable per target), or use --denort-dir, or --targets ${target}`,
    );
  }
  if (options.denortDir) {
    const binary = join(options.denortDir, `denort-${target}`);
    if (await isFile(binary)) {
      return { env: { DENORT_BIN: binary }, description: binary, variable: hint };
    }
    const zip = join(options.denortDir, `denort-${target}.zip`);
    if (await isFile(zip)) {
      const cached = join(await denoDir(), denortCachePath(Deno.version.deno, target));
      await Deno.mkdir(dirname(cached), { recursive: true });
      await Deno.copyFile(zip, cached);
      return {
        env: {},
        description: `${zip} (copied to deno's cache)`,
        variable: hint,
        seeded: cached,
      };
    }
    throw new BuildError(
      `${runtimeMissingMessage(target, Deno.version.deno, { variable: hint })} ` +
        `(${options.denortDir} has neither ` +
        `denort-${target} nor denort-${target}.zip)`,
    );
  }
  return { env: {}, description: "deno's cache or download", variable: hint };
}

/**
 * The `deno compile` argv: exactly the program's permission flags, its V8 flags (built into the
 * binary), its config, one target.
 */
export function compileArgv(
  stage: string,
  options: { output: string; target: string },
): string[] {
  return [
    DENO,
    "compile",
    "--no-prompt",
    ...PERMISSION_FLAGS,
    V8_FLAGS_ARG,
    "--config",
    join(stage, "deno.json"),
    "--target",
    options.target,
    "--output",
    options.output,
    join(stage, "main.ts"),
  ];
}

/**
 * Compiles the staged sources for one target into `output`, then checks the result: its header
 * must name the target, and on the host target `--version` must print the stamped commit. Any
 * failure is one {@linkcode BuildError} line (a missing runtime says how to provide one).
 */
export async function compileTarget(
  stage: string,
  options: { output: string; target: string; commit: string; runtime: RuntimeSource },
): Promise<void> {
  try {
    await compileAndCheck(stage, options);
  } catch (error) {
    if (options.runtime.seeded) await Deno.remove(options.runtime.seeded).catch(() => {});
    throw error;
  }
}

async function compileAndCheck(
  stage: string,
  options: { output: string; target: string; commit: string; runtime: RuntimeSource },
): Promise<void> {
  await Deno.mkdir(dirname(options.output), { recursive: true });
  const argv = compileArgv(stage, options);
  const result = await run(argv, { cwd: stage, env: options.runtime.env });
  if (result.code !== 0) {
    if (isRuntimeFailure(result.stderr)) {
      throw new BuildError(
        runtimeMissingMessage(options.target, Deno.version.deno, {
          variable: options.runtime.variable,
        }),
      );
    }
    const detail = errorDetail(result.stderr);
    throw new BuildError(`Cannot compile for ${options.target}: deno compile failed: ${detail}`);
  }
  const file = await Deno.open(options.output);
  const header = new Uint8Array(64);
  try {
    await file.read(header);
  } finally {
    file.close();
  }
  const built = binaryTarget(header);
  if (built !== options.target) {
    await Deno.remove(options.output).catch(() => {});
    throw new BuildError(
      `Cannot compile for ${options.target}: the runtime from ${options.runtime.description} ` +
        `is for ${built ?? "an unknown platform"}, not ${options.target}`,
    );
  }
  if (options.target === Deno.build.target) {
    const check = await run([options.output, "--version"], { timeoutMs: 30_000 });
    const expected = expectedVersionLine(options.commit);
    if (check.code !== 0 || !check.stdout.startsWith(expected)) {
      await Deno.remove(options.output).catch(() => {});
      throw new BuildError(
        `Cannot compile for ${options.target}: the built program does not run as tmux-orc: ` +
          `--version printed ${JSON.stringify(check.stdout.split("\n")[0])} (the runtime from ` +
          `${options.runtime.description} must be denort for ${options.target}, not deno)`,
      );
    }
  }
}

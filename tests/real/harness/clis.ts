/**
 * The real agent CLIs the harness drives: pinned versions, installed from the npm registry into a
 * cache outside the source tree (`$TMUX_ORC_REAL_CLIS`, else `~/.cache/tmux-orc/real-clis`), one
 * folder per CLI and version. An install is verified (`--version` must print the pinned version)
 * and marked complete only then; concurrent installers wait on a file lock.
 *
 * @module
 */

/** One pinned CLI. */
export interface RealCliPin {
  /** The npm package. */
  package: string;
  /** The pinned version (also what `--version` prints). */
  version: string;
  /** The executable under `node_modules/.bin/`. */
  bin: string;
  /** The tmux-orc profile that describes it. */
  profile: string;
}

/** The CLIs the real-agent tests run, pinned. */
export const REAL_CLIS = {
  claude: {
    package: "@anthropic-ai/claude-code",
    version: "2.1.332",
    bin: "claude",
    profile: "claude",
  },
  codex: { package: "@openai/codex", version: "0.171.0", bin: "codex", profile: "codex" },
  gemini: { package: "@google/gemini-cli", version: "0.61.0", bin: "gemini", profile: "gemini" },
} as const satisfies Record<string, RealCliPin>;

/** A CLI name: `claude`, `codex` or `gemini`. */
export type RealCliName = keyof typeof REAL_CLIS;

/** An installed CLI. */
export interface RealCliInstall {
  /** Absolute path of the executable. */
  bin: string;
  /** Its version. */
  version: string;
  /** The install folder (its `node_modules/.bin` belongs on the pane's PATH). */
  dir: string;
}

/** Why a CLI cannot be used here. */
export interface RealCliSkip {
  /** One line: what failed. */
  skip: string;
}

const MARKER = ".tmux-orc-installed";

/** The cache root: `$TMUX_ORC_REAL_CLIS`, else `~/.cache/tmux-orc/real-clis`. */
export function realCliCacheDir(): string {
  const explicit = Deno.env.get("TMUX_ORC_REAL_CLIS");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME") ?? "/tmp";
  return `${home}/.cache/tmux-orc/real-clis`;
}

function installDir(name: RealCliName): string {
  return `${realCliCacheDir()}/${name}-${REAL_CLIS[name].version}`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function run(
  argv: string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { npm_config_update_notifier: "false", NO_UPDATE_NOTIFIER: "1", CI: "true" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, options.timeoutMs);
  try {
    const result = await child.output();
    const dec = new TextDecoder();
    return { code: result.code, out: dec.decode(result.stdout) + dec.decode(result.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

async function verify(name: RealCliName, dir: string): Promise<RealCliInstall | RealCliSkip> {
  const pin = REAL_CLIS[name];
  const bin = `${dir}/node_modules/.bin/${pin.bin}`;
  if (!exists(bin)) return { skip: `${pin.package}@${pin.version}: no ${pin.bin} after install` };
  const result = await run([bin, "--version"], { cwd: dir, timeoutMs: 60_000 });
  if (result.code !== 0 || !result.out.includes(pin.version)) {
    const said = result.out.trim().split("\n").slice(-1)[0] ?? "";
    return { skip: `${pin.package}@${pin.version}: --version failed (${result.code}): ${said}` };
  }
  return { bin, version: pin.version, dir };
}

/**
 * Returns the installed CLI, installing it first unless `install` is false. Never throws: what
 * cannot be had is returned as `{ skip }` with one line saying why.
 */
export async function ensureRealCli(
  name: RealCliName,
  options: { install?: boolean } = {},
): Promise<RealCliInstall | RealCliSkip> {
  const pin = REAL_CLIS[name];
  const dir = installDir(name);
  try {
    if (exists(`${dir}/${MARKER}`)) return await verify(name, dir);
    if (options.install === false) return { skip: `${pin.package}@${pin.version} not installed` };
    await Deno.mkdir(realCliCacheDir(), { recursive: true });
    const lock = await Deno.open(`${realCliCacheDir()}/.${name}.lock`, {
      create: true,
      write: true,
    });
    try {
      await lock.lock(true);
      if (exists(`${dir}/${MARKER}`)) return await verify(name, dir);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(`${dir}/package.json`, '{ "private": true }\n');
      const npm = await run([
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `${pin.package}@${pin.version}`,
      ], { cwd: dir, timeoutMs: 600_000 });
      if (npm.code !== 0) {
        const said = npm.out.trim().split("\n").slice(-1)[0] ?? "";
        return { skip: `npm install ${pin.package}@${pin.version} failed: ${said}` };
      }
      const verified = await verify(name, dir);
      if ("bin" in verified) await Deno.writeTextFile(`${dir}/${MARKER}`, `${pin.version}\n`);
      return verified;
    } finally {
      lock.close();
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { skip: `${pin.package}@${pin.version}: ${detail}` };
  }
}

/**
 * The installed CLI, or `undefined` after printing the one loud line a test prints when it skips
 * because the CLI cannot be had here (`SKIP real NAME: why`).
 */
export async function realCliOrSkip(name: RealCliName): Promise<RealCliInstall | undefined> {
  const installed = await ensureRealCli(name);
  if ("bin" in installed) return installed;
  console.warn(`SKIP real ${name}: ${installed.skip}`);
  return undefined;
}

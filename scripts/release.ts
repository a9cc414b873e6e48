/**
 * `deno task release`: builds the binary for every release target with `deno compile`, archives
 * each as `dist/tmux-orc-<version>-<target>.tar.gz` (binary, README.md, LICENSE) and writes
 * `dist/SHA256SUMS` in `sha256sum` format.
 *
 * Usage: `deno task release [--targets a,b] [--denort-dir DIR]`
 *
 * Runtimes (denort) per target: `DENORT_BIN_<TARGET>` (e.g. `DENORT_BIN_AARCH64_APPLE_DARWIN`),
 * `DENORT_BIN` when one target is selected, `--denort-dir` with `denort-<target>.zip` files, or
 * deno's cache / download.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  archiveBaseName,
  archiveName,
  formatSha256Sums,
  parseTargets,
  RELEASE_TARGETS,
  type ReleaseTarget,
  sha256Hex,
} from "../src/ship/release.ts";
import { VERSION } from "../src/version.ts";
import {
  buildCommit,
  BuildError,
  compileTarget,
  DIST,
  findRuntime,
  ROOT,
  run,
  runScript,
  stageSources,
} from "./build_common.ts";

/** Files every archive carries beside the binary. */
export const ARCHIVE_DOCS = ["README.md", "LICENSE"] as const;

async function tarArgv(archive: string, dir: string, name: string): Promise<string[]> {
  const version = await run(["tar", "--version"]);
  const gnu = /GNU tar/.test(version.stdout);
  return [
    "tar",
    ...(gnu ? ["--owner=0", "--group=0", "--numeric-owner", "--sort=name"] : []),
    "-czf",
    archive,
    "-C",
    dir,
    name,
  ];
}

/** Archives the directory `dir` as `archive`: a `.tar.gz` whose top directory is `dir`'s name. */
export async function writeArchive(dir: string, archive: string): Promise<void> {
  const name = basename(dir);
  const tar = await run(await tarArgv(archive, dirname(dir), name));
  if (tar.code !== 0) {
    throw new BuildError(`Cannot archive ${name}: tar failed: ${tar.stderr.trim()}`);
  }
}

/** Writes `SHA256SUMS` beside the archives (which must share one directory). */
export async function writeChecksums(archives: readonly string[], path: string): Promise<void> {
  const entries = [];
  for (const archive of archives) {
    entries.push({
      name: basename(archive),
      sha256: await sha256Hex(await Deno.readFile(archive)),
    });
  }
  await Deno.writeTextFile(path, formatSha256Sums(entries));
}

/** Builds, archives and checksums `targets` into `DIST`; resolves with the archive paths. */
export async function release(
  targets: readonly ReleaseTarget[],
  options: { denortDir?: string } = {},
): Promise<string[]> {
  for (const doc of ARCHIVE_DOCS) {
    try {
      await Deno.stat(join(ROOT, doc));
    } catch {
      throw new BuildError(`Cannot release: ${doc} is missing from ${ROOT}`);
    }
  }
  const runtimes = new Map<ReleaseTarget, Awaited<ReturnType<typeof findRuntime>>>();
  for (const target of targets) {
    runtimes.set(
      target,
      await findRuntime(target, {
        denortDir: options.denortDir,
        allowPlain: targets.length === 1,
      }),
    );
  }
  const commit = await buildCommit();
  const stage = await stageSources(commit);
  const work = await Deno.makeTempDir({ prefix: "tmux-orc-release-" });
  const archives: string[] = [];
  try {
    await Deno.mkdir(DIST, { recursive: true });
    for (const target of targets) {
      const base = archiveBaseName(VERSION, target);
      const dir = join(work, base);
      await Deno.mkdir(dir);
      await compileTarget(stage, {
        output: join(dir, "tmux-orc"),
        target,
        commit,
        runtime: runtimes.get(target)!,
      });
      for (const doc of ARCHIVE_DOCS) await Deno.copyFile(join(ROOT, doc), join(dir, doc));
      const archive = join(DIST, archiveName(VERSION, target));
      await writeArchive(dir, archive);
      archives.push(archive);
      console.log(`✓ ${archive}`);
    }
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  await writeChecksums(archives, join(DIST, "SHA256SUMS"));
  console.log(`✓ ${join(DIST, "SHA256SUMS")} (${archives.length} archives, commit ${commit})`);
  return archives;
}

/** Parses the arguments and releases. */
export async function releaseMain(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: { targets: { type: "string" }, "denort-dir": { type: "string" } },
    }).values;
  } catch (error) {
    throw new BuildError(`Invalid arguments: ${(error as Error).message.split("\n")[0]}`);
  }
  let targets: ReleaseTarget[];
  try {
    targets = values.targets ? parseTargets(values.targets) : [...RELEASE_TARGETS];
  } catch (error) {
    throw new BuildError((error as Error).message);
  }
  await release(targets, { denortDir: values["denort-dir"] });
  return 0;
}

if (import.meta.main) await runScript(() => releaseMain(Deno.args));

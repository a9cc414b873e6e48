/**
 * Pure pieces of the build and release scripts: targets, archive names, the `SHA256SUMS` format,
 * the release-tag check, what a built binary's header says about its target, and the messages for
 * a missing Deno runtime. The scripts under `scripts/` do the I/O.
 *
 * @module
 */

/** The targets a release builds (`deno compile --target`). */
export const RELEASE_TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
] as const;

/** One of {@linkcode RELEASE_TARGETS}. */
export type ReleaseTarget = typeof RELEASE_TARGETS[number];

/** Whether `value` names a release target. */
export function isReleaseTarget(value: string): value is ReleaseTarget {
  return (RELEASE_TARGETS as readonly string[]).includes(value);
}

/** Parses `--targets a,b`: every name must be a release target; duplicates are dropped. */
export function parseTargets(text: string): ReleaseTarget[] {
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new Error("No targets given: expected a comma-separated list");
  const out: ReleaseTarget[] = [];
  for (const name of names) {
    if (!isReleaseTarget(name)) {
      throw new Error(`Unknown target: ${name} (expected ${RELEASE_TARGETS.join(", ")})`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** `tmux-orc-<version>-<target>`: the archive's top directory. */
export function archiveBaseName(version: string, target: string): string {
  if (!/^[0-9A-Za-z.+-]+$/.test(version)) throw new Error(`Invalid version: ${version}`);
  return `tmux-orc-${version}-${target}`;
}

/** `tmux-orc-<version>-<target>.tar.gz`. */
export function archiveName(version: string, target: string): string {
  return `${archiveBaseName(version, target)}.tar.gz`;
}

/** Lower-case hex SHA-256 of `data` (Web Crypto). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One file in `SHA256SUMS`. */
export interface ChecksumEntry {
  /** File name (no directory: checked with `sha256sum -c` beside the files). */
  name: string;
  /** Lower-case hex SHA-256. */
  sha256: string;
}

/** Formats entries as `sha256sum` prints them (`<hex>  <name>`), sorted by name. */
export function formatSha256Sums(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted.map((e) => {
    if (!/^[0-9a-f]{64}$/.test(e.sha256)) throw new Error(`Invalid SHA-256: ${e.sha256}`);
    if (e.name.includes("/") || /[\n\\]/.test(e.name)) throw new Error(`Invalid name: ${e.name}`);
    return `${e.sha256}  ${e.name}\n`;
  }).join("");
}

/**
 * Checks a release tag against the versions: the tag must be `v` + deno.json's version, and the
 * program's own version must equal deno.json's. Returns the problem, or `undefined`.
 */
export function checkReleaseTag(
  tag: string,
  versions: { config: string; program: string },
): string | undefined {
  const name = tag.replace(/^refs\/tags\//, "");
  if (versions.program !== versions.config) {
    return `Version mismatch: src/version.ts says ${versions.program}, deno.json says ${versions.config}`;
  }
  if (name !== `v${versions.config}`) {
    return `Tag does not match the version: tag ${name}, deno.json version ${versions.config} (expected tag v${versions.config})`;
  }
  return undefined;
}

/**
 * The target a binary was built for, from its header: ELF (Linux) or 64-bit Mach-O (macOS),
 * x86_64 or aarch64. `undefined` for anything else.
 */
export function binaryTarget(header: Uint8Array): ReleaseTarget | undefined {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length >= 20 && view.getUint32(0) === 0x7f454c46) {
    const machine = view.getUint16(18, header[5] === 1);
    if (machine === 62) return "x86_64-unknown-linux-gnu";
    if (machine === 183) return "aarch64-unknown-linux-gnu";
    return undefined;
  }
  if (header.length >= 8 && view.getUint32(0, true) === 0xfeedfacf) {
    const cpu = view.getUint32(4, true);
    if (cpu === 0x01000007) return "x86_64-apple-darwin";
    if (cpu === 0x0100000c) return "aarch64-apple-darwin";
  }
  return undefined;
}

/** Where `deno compile` caches a downloaded runtime, relative to `DENO_DIR`. */
export function denortCachePath(denoVersion: string, target: string): string {
  return `dl/release/v${denoVersion}/denort-${target}.zip`;
}

/**
 * The one line printed when no Deno runtime (denort) can be had for `target`; `variable` is the
 * environment variable to suggest (default `DENORT_BIN`).
 */
export function runtimeMissingMessage(
  target: string,
  denoVersion: string,
  options: { variable?: string } = {},
): string {
  return `Cannot compile: Deno's runtime (denort) for ${target} is not available offline: ` +
    `set ${options.variable ?? "DENORT_BIN"} to a denort binary for ${target}, or pass ` +
    `--denort-dir DIR holding ` +
    `denort-${target}.zip (the deno v${denoVersion} release asset, fetched on a machine with access)`;
}

/** Whether `deno compile`'s error output says it could not get the runtime. */
export function isRuntimeFailure(stderr: string): boolean {
  return /denort|dl\.deno\.land|Setting up base binary|base binary/i.test(stderr);
}

/** The per-target runtime variable: `DENORT_BIN_X86_64_UNKNOWN_LINUX_GNU`. */
export function targetRuntimeVariable(target: string): string {
  return `DENORT_BIN_${target.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** `build_info.ts` with the commit stamped in. */
export function renderBuildInfo(commit: string): string {
  if (!/^[0-9A-Za-z._+-]{1,64}$/.test(commit)) throw new Error(`Invalid commit: ${commit}`);
  return [
    "/**",
    " * Stamped by the build scripts (compile, bundle, release); `dev` in a plain checkout.",
    " *",
    " * @module",
    " */",
    "",
    "/** The commit this build came from. */",
    `export const BUILD_COMMIT = ${JSON.stringify(commit)};`,
    "",
  ].join("\n");
}

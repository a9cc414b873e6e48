import assert from "node:assert/strict";
import { join } from "node:path";
import {
  archiveBaseName,
  archiveName,
  binaryTarget,
  checkReleaseTag,
  denortCachePath,
  formatSha256Sums,
  parseTargets,
  RELEASE_TARGETS,
  renderBuildInfo,
  runtimeMissingMessage,
  sha256Hex,
  targetRuntimeVariable,
} from "../../src/ship/release.ts";
import { VERSION } from "../../src/version.ts";
import { writeArchive, writeChecksums } from "../../scripts/release.ts";
import { oneLine, onPath, ROOT, runArgv, runScript } from "./helpers.ts";

Deno.test("archive names: tmux-orc-<version>-<target>.tar.gz", () => {
  assert.equal(
    archiveName("1.2.3", "aarch64-apple-darwin"),
    "tmux-orc-1.2.3-aarch64-apple-darwin.tar.gz",
  );
  assert.equal(
    archiveBaseName("0.1.0-rc.1", "x86_64-unknown-linux-gnu"),
    "tmux-orc-0.1.0-rc.1-x86_64-unknown-linux-gnu",
  );
  assert.throws(() => archiveName("1.0/../x", "x86_64-apple-darwin"), /Invalid version/);
});

Deno.test("--targets: a subset of the four release targets", () => {
  assert.equal(RELEASE_TARGETS.length, 4);
  assert.deepEqual(parseTargets("aarch64-apple-darwin, x86_64-unknown-linux-gnu,"), [
    "aarch64-apple-darwin",
    "x86_64-unknown-linux-gnu",
  ]);
  assert.deepEqual(parseTargets("x86_64-apple-darwin,x86_64-apple-darwin"), [
    "x86_64-apple-darwin",
  ]);
  assert.throws(() => parseTargets("x86_64-pc-windows-msvc"), /Unknown target: x86_64-pc-windows/);
  assert.throws(() => parseTargets(" , "), /No targets/);
  assert.equal(
    targetRuntimeVariable("aarch64-apple-darwin"),
    "DENORT_BIN_AARCH64_APPLE_DARWIN",
  );
  assert.equal(
    denortCachePath("2.9.6", "x86_64-apple-darwin"),
    "dl/release/v2.9.6/denort-x86_64-apple-darwin.zip",
  );
});

Deno.test("SHA256SUMS: sha256sum's format, sorted by name", async () => {
  const abc = await sha256Hex(new TextEncoder().encode("abc"));
  assert.equal(abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const empty = await sha256Hex(new Uint8Array());
  assert.equal(
    formatSha256Sums([{ name: "b.tar.gz", sha256: abc }, { name: "a.tar.gz", sha256: empty }]),
    `${empty}  a.tar.gz\n${abc}  b.tar.gz\n`,
  );
  assert.equal(formatSha256Sums([]), "");
  assert.throws(() => formatSha256Sums([{ name: "x", sha256: "ABC" }]), /Invalid SHA-256/);
  assert.throws(() => formatSha256Sums([{ name: "d/x", sha256: abc }]), /Invalid name/);
});

Deno.test("release tag check: v + deno.json's version, and src/version.ts agrees", () => {
  assert.equal(checkReleaseTag("v1.2.3", { config: "1.2.3", program: "1.2.3" }), undefined);
  assert.equal(
    checkReleaseTag("refs/tags/v1.2.3", { config: "1.2.3", program: "1.2.3" }),
    undefined,
  );
  assert.match(
    checkReleaseTag("v1.2.4", { config: "1.2.3", program: "1.2.3" })!,
    /^Tag does not match the version: tag v1\.2\.4, deno\.json version 1\.2\.3/,
  );
  assert.match(checkReleaseTag("1.2.3", { config: "1.2.3", program: "1.2.3" })!, /expected tag v1/);
  assert.match(
    checkReleaseTag("v1.2.3", { config: "1.2.3", program: "1.2.2" })!,
    /^Version mismatch: src\/version\.ts says 1\.2\.2/,
  );
});

Deno.test("scripts/check_version.ts passes the right tag and refuses another in one line", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  assert.equal(config.version, VERSION, "deno.json and src/version.ts agree");
  const ok = await runScript("check_version.ts", [`v${config.version}`]);
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await runScript("check_version.ts", ["v999.0.0"]);
  assert.equal(bad.code, 1);
  assert.match(oneLine(bad.stderr), /^Tag does not match the version: tag v999\.0\.0/);
  const fromEnv = await runScript("check_version.ts", [], {
    env: { GITHUB_REF_NAME: `v${config.version}` },
  });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
});

function elf(machine: number): Uint8Array {
  const h = new Uint8Array(64);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
  new DataView(h.buffer).setUint16(18, machine, true);
  return h;
}

function machO(cpu: number): Uint8Array {
  const h = new Uint8Array(64);
  const view = new DataView(h.buffer);
  view.setUint32(0, 0xfeedfacf, true);
  view.setUint32(4, cpu, true);
  return h;
}

Deno.test("binaryTarget reads the platform from ELF and Mach-O headers", async () => {
  assert.equal(binaryTarget(elf(62)), "x86_64-unknown-linux-gnu");
  assert.equal(binaryTarget(elf(183)), "aarch64-unknown-linux-gnu");
  assert.equal(binaryTarget(elf(40)), undefined);
  assert.equal(binaryTarget(machO(0x01000007)), "x86_64-apple-darwin");
  assert.equal(binaryTarget(machO(0x0100000c)), "aarch64-apple-darwin");
  assert.equal(binaryTarget(new TextEncoder().encode("#!/bin/sh\necho hi\n")), undefined);
  if ((RELEASE_TARGETS as readonly string[]).includes(Deno.build.target)) {
    const file = await Deno.open(Deno.execPath());
    const header = new Uint8Array(64);
    await file.read(header);
    file.close();
    assert.equal(binaryTarget(header), Deno.build.target, "the running deno's own header");
  }
});

Deno.test("renderBuildInfo stamps a commit and refuses anything that is not a commit", () => {
  const text = renderBuildInfo("0123456789ab-dirty");
  assert.match(text, /^export const BUILD_COMMIT = "0123456789ab-dirty";$/m);
  assert.throws(() => renderBuildInfo('x"; evil()'), /Invalid commit/);
  assert.match(
    runtimeMissingMessage("aarch64-apple-darwin", "2.9.6", { variable: "DENORT_BIN_X" }),
    /^Cannot compile: Deno's runtime \(denort\) for aarch64-apple-darwin is not available offline: set DENORT_BIN_X /,
  );
});

Deno.test("archives hold <base>/tmux-orc, README.md, LICENSE; SHA256SUMS passes sha256sum -c", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = archiveBaseName(VERSION, "x86_64-unknown-linux-gnu");
    await Deno.mkdir(join(dir, "work", base), { recursive: true });
    await Deno.mkdir(join(dir, "dist"));
    for (const name of ["tmux-orc", "README.md", "LICENSE"]) {
      await Deno.writeTextFile(join(dir, "work", base, name), `${name}\n`);
    }
    const archives = [];
    for (const target of ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]) {
      const archive = join(dir, "dist", archiveName(VERSION, target));
      await writeArchive(join(dir, "work", base), archive);
      archives.push(archive);
    }
    const list = await runArgv(["tar", "-tzf", archives[0]]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.stdout.trim().split("\n").map((l) => l.replace(/\/$/, "")).sort(),
      [base, `${base}/LICENSE`, `${base}/README.md`, `${base}/tmux-orc`],
    );
    await writeChecksums(archives, join(dir, "dist", "SHA256SUMS"));
    const sums = await Deno.readTextFile(join(dir, "dist", "SHA256SUMS"));
    assert.match(
      sums,
      /^[0-9a-f]{64} {2}tmux-orc-.*-aarch64-apple-darwin\.tar\.gz\n[0-9a-f]{64} {2}/,
    );
    if (onPath("sha256sum")) {
      const check = await runArgv(["sha256sum", "-c", "SHA256SUMS"], { cwd: join(dir, "dist") });
      assert.equal(check.code, 0, check.stdout + check.stderr);
      await Deno.writeTextFile(archives[1], "tampered");
      const tampered = await runArgv(["sha256sum", "-c", "SHA256SUMS"], {
        cwd: join(dir, "dist"),
      });
      assert.notEqual(tampered.code, 0, "a changed archive fails the check");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * How long `tmux-orc hook` takes, as an agent CLI runs it: a fresh process per event, the event's
 * JSON on stdin, `$TMUX`/`$TMUX_PANE` of a pane of a private tmux server. Prints a table of wall
 * times per way of running the program: the argv `hooks install` writes when run from the sources
 * (the fast path in `main.ts`, no deno.json); the same with deno.json; reached the long way,
 * through the whole CLI; a compiled binary or a bundle when given.
 *
 * ```sh
 * deno task bench-hook [--runs 30] [--binary dist/tmux-orc] [--bundle dist/tmux-orc.js]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { currentSelfExecEnv, selfCommand } from "../src/lifecycle/self_exec.ts";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import { parseHookValue } from "../src/hooks/event.ts";
import { hookProgram } from "../src/cli/commands/hooks.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "30" },
    binary: { type: "string" },
    bundle: { type: "string" },
  },
});
const runs = Number(values.runs);
const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const fromSource = selfCommand({
  ...currentSelfExecEnv(),
  standalone: false,
  mainModule: `file://${main}`,
});

async function tmux(socket: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args: ["-L", socket, "-f", "/dev/null", ...args] })
    .output();
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

const PAYLOAD = new TextEncoder().encode(JSON.stringify({
  session_id: "bench",
  hook_event_name: "Notification",
  notification_type: "permission_prompt",
  message: "Claude needs your permission to use Bash",
}));

async function once(argv: string[], env: Record<string, string>): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(PAYLOAD);
  await writer.close();
  const out = await child.output();
  const ms = performance.now() - start;
  if (out.code !== 0 || out.stdout.length > 0) {
    throw new Error(
      `hook exited ${out.code} with stdout ${JSON.stringify(new TextDecoder().decode(out.stdout))}`,
    );
  }
  return ms;
}

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `${s[0].toFixed(0)} | ${at(0.5).toFixed(0)} | ${at(0.95).toFixed(0)} | ${
    s[s.length - 1].toFixed(0)
  }`;
}

const socket = `tmux-orc-bench-hook-${crypto.randomUUID().slice(0, 8)}`;
let socketPath: string | undefined;
const stateDir = await Deno.makeTempDir({ prefix: "tmux-orc-bench-hook-" });
try {
  await tmux(socket, ["new-session", "-d", "-s", "bench", "--", "sleep", "600"]);
  const pane = await tmux(socket, ["list-panes", "-t", "bench", "-F", "#{pane_id}"]);
  const path = await tmux(socket, ["display-message", "-p", "-t", pane, "#{socket_path}"]);
  socketPath = path;
  const env = {
    // A private state dir: a failure's log line must not land in the user's.
    TMUX_ORC_STATE_DIR: stateDir,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/",
    TMUX: `${path},0,0`,
    TMUX_PANE: pane,
  };
  const installed = hookProgram({
    ...currentSelfExecEnv(),
    standalone: false,
    mainModule: `file://${main}`,
  });
  const ways: [string, string[]][] = [
    ["as `hooks install` writes it (deno run --no-config)", [
      ...installed,
      "hook",
      "--cli",
      "claude",
      "Notification",
    ]],
    ["deno run --config deno.json main.ts", [
      ...fromSource,
      "hook",
      "--cli",
      "claude",
      "Notification",
    ]],
    [
      "deno run main.ts, whole CLI (-L first)",
      [...fromSource, "-S", path, "hook", "--cli", "claude", "Notification"],
    ],
  ];
  // The floor: deno starting an empty script (no tmux call).
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  ways.push(["floor: deno run of an empty script", [Deno.execPath(), "run", "--no-config", empty]]);
  if (values.binary) {
    ways.push(["compiled binary", [values.binary, "hook", "--cli", "claude", "Notification"]]);
  }
  if (values.bundle) {
    ways.push([
      "bundle (deno run tmux-orc.js)",
      [
        Deno.execPath(),
        "run",
        "--no-prompt",
        ...PERMISSION_FLAGS,
        values.bundle,
        "hook",
        "--cli",
        "claude",
        "Notification",
      ],
    ]);
  }
  console.log(`tmux-orc hook: wall time per event (ms), ${runs} runs each, ${Deno.build.target}`);
  console.log("| how | min | median | p95 | max |");
  console.log("|---|---|---|---|---|");
  for (const [name, argv] of ways) {
    await once(argv, env); // warm the cache
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once(argv, env));
    const value = parseHookValue(
      await tmux(socket, ["show-options", "-pqv", "-t", pane, "@tmux-orc-hook"]),
    );
    if (!name.startsWith("floor") && value?.type !== "permission_prompt") {
      throw new Error(`${name}: the event was not recorded`);
    }
    await tmux(socket, ["set-option", "-pu", "-t", pane, "@tmux-orc-hook"]);
    console.log(`| ${name} | ${stats(samples)} |`);
  }
  await Deno.remove(empty);
  const failures = await Deno.readTextFile(`${stateDir}/logs/hook.jsonl`).catch(() => "");
  if (failures !== "") console.log(`hook failures logged:\n${failures}`);
} finally {
  await tmux(socket, ["kill-server"]).catch(() => {});
  if (socketPath) await Deno.remove(socketPath).catch(() => {});
  await Deno.remove(stateDir, { recursive: true }).catch(() => {});
}

import assert from "node:assert/strict";
import { cliArgv, tempStateDir } from "../helpers/mod.ts";
import { hookProgram } from "../../src/cli/commands/hooks.ts";
import { currentSelfExecEnv } from "../../src/lifecycle/self_exec.ts";
import { startTestServer, type TestServer } from "../tmux/test_server.ts";
import { parseHookValue } from "../../src/hooks/event.ts";
import {
  parseHookArgs,
  recordHook,
  runTmuxBounded,
  socketFromTmuxEnv,
} from "../../src/hooks/record.ts";

async function paneOf(server: TestServer): Promise<string> {
  await server.tmux(["new-session", "-d", "-s", "agents", "--", "sleep", "600"]);
  return (await server.tmux(["list-panes", "-t", "agents", "-F", "#{pane_id}"])).trim();
}

async function hookValue(server: TestServer, pane: string): Promise<string> {
  return (await server.tmux(["show-options", "-pqv", "-t", pane, "@tmux-orc-hook"])).trim();
}

/** Runs the real `tmux-orc hook` as a CLI's hook would: env, stdin, argv. */
async function runHook(
  args: string[],
  options: { env: Record<string, string>; stdin?: string; argv?: string[] },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = options.argv ? [...options.argv, ...args] : cliArgv(["hook", ...args]);
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (options.stdin !== undefined) await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("hook args: --cli, event, Codex's payload as the last argument", () => {
  assert.deepEqual(parseHookArgs(["--cli", "claude", "Stop"]), { cli: "claude", event: "Stop" });
  assert.deepEqual(parseHookArgs(["--cli=codex", "notify", "{}"]), {
    cli: "codex",
    event: "notify",
    payload: "{}",
  });
  assert.deepEqual(parseHookArgs(["--cli", "nope", "Stop"]), { cli: "", event: "Stop" });
  assert.equal(parseHookArgs([]), undefined);
  assert.equal(socketFromTmuxEnv("/tmp/tmux-0/a,b,1234,0"), "/tmp/tmux-0/a,b");
  assert.equal(socketFromTmuxEnv("garbage"), undefined);
  assert.equal(socketFromTmuxEnv(undefined), undefined);
});

Deno.test({
  name: "hook: the real command records the event on its pane, prints nothing, exits 0",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startTestServer();
    const state = await tempStateDir();
    try {
      const pane = await paneOf(server);
      const env = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? state.dir,
        TMUX_ORC_STATE_DIR: state.dir,
        TMUX: `${server.socketPath},${server.pid},0`,
        TMUX_PANE: pane,
      };
      const payload = JSON.stringify({
        hook_event_name: "Notification",
        notification_type: "permission_prompt",
        message: "Claude needs your permission to use Bash",
      });
      const before = Date.now();
      const result = await runHook(["--cli", "claude", "Notification"], { env, stdin: payload });
      assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
      const event = parseHookValue(await hookValue(server, pane));
      assert.equal(event?.event, "Notification");
      assert.equal(event?.type, "permission_prompt");
      assert.equal(event?.cli, "claude");
      assert.ok(event!.at >= before && event!.at <= Date.now(), `${event?.at}`);

      // The very argv `hooks install` writes (under deno: DENO_DIR pinned, no deno.json).
      const program = hookProgram({
        ...currentSelfExecEnv(),
        standalone: false,
        mainModule: new URL("../../main.ts", import.meta.url).href,
      });
      assert.ok(program.includes("--no-config") && program[0] === "/usr/bin/env", `${program}`);
      const installed = await runHook(["--cli", "gemini", "Notification"], {
        env,
        stdin: '{"notification_type":"ToolPermission"}',
        argv: [...program, "hook"],
      });
      assert.deepEqual(installed, { code: 0, stdout: "", stderr: "" });
      assert.equal(parseHookValue(await hookValue(server, pane))?.type, "ToolPermission");

      // Codex: the JSON is the last argument; stdin stays empty.
      const codex = await runHook(["--cli", "codex", "notify", '{"type":"agent-turn-complete"}'], {
        env,
      });
      assert.deepEqual(codex, { code: 0, stdout: "", stderr: "" });
      assert.equal(parseHookValue(await hookValue(server, pane))?.event, "agent-turn-complete");

      // Outside tmux: still exit 0 and silent; the reason is in the log.
      const outside = await runHook(["--cli", "claude", "Stop"], {
        env: { ...env, TMUX: "", TMUX_PANE: "" },
        stdin: "{}",
      });
      assert.deepEqual(outside, { code: 0, stdout: "", stderr: "" });
      const log = await Deno.readTextFile(`${state.dir}/logs/hook.jsonl`);
      assert.match(log, /not in a tmux pane/);

      // A pane that is gone: exit 0, logged.
      const gone = await runHook(["--cli", "claude", "Stop"], {
        env: { ...env, TMUX_PANE: "%999" },
        stdin: "{}",
      });
      assert.deepEqual(gone, { code: 0, stdout: "", stderr: "" });
      assert.match(
        await Deno.readTextFile(`${state.dir}/logs/hook.jsonl`),
        /can't find pane|cannot record/,
      );
    } finally {
      await server.kill();
      await state.cleanup();
    }
  },
});

Deno.test({
  name: "hook: an event never replaces a newer one (hooks that finish out of order)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startTestServer();
    try {
      const pane = await paneOf(server);
      const errors: string[] = [];
      const record = (event: string, at: number, payload?: string) =>
        recordHook(["--cli", "claude", event], {
          env: (name) => ({ TMUX: `${server.socketPath},${server.pid},0`, TMUX_PANE: pane })[name],
          now: () => at,
          readStdin: () => Promise.resolve(payload),
          tmux: runTmuxBounded,
          logError: (message) => {
            errors.push(message);
            return Promise.resolve();
          },
        });
      const t0 = Date.UTC(2026, 11, 2, 1, 0, 0);
      await record("PermissionRequest", t0 + 10, '{"tool_name":"Bash"}');
      await record("PreToolUse", t0 + 5); // started first, finished last
      assert.equal(parseHookValue(await hookValue(server, pane))?.event, "PermissionRequest");
      await record("PostToolUse", t0 + 20, `{"tool_name":"it's \\"quoted\\" #{pane_id} $HOME; x"}`);
      const latest = parseHookValue(await hookValue(server, pane));
      assert.equal(latest?.event, "PostToolUse");
      assert.equal(latest?.tool, 'it\u2019s "quoted" #{pane_id} $HOME; x');
      assert.deepEqual(errors, []);
    } finally {
      await server.kill();
    }
  },
});

// deno-lint-ignore-file no-control-regex -- these tests read the escape sequences top writes
/**
 * End to end: `tmux-orc top` in real tmux panes, over a real monitor watching fake agents. An
 * outer private tmux server is the user's terminal; the agents live on the sandbox's private
 * server. Keys are sent with `send-keys`, the screen read with `capture-pane`; after each way out
 * (q, Enter outside tmux, Ctrl-C, SIGTERM) the pane is checked: alternate screen off, cursor
 * shown, cooked mode back (`stty`), the shell prompt usable.
 */
import assert from "node:assert/strict";
import { shellQuote } from "../../src/tmux/commands.ts";
import {
  cliArgv,
  killTmuxServer,
  privateSocketName,
  signal,
  tmux,
  waitFor,
} from "../helpers/mod.ts";
import { Team } from "./team.ts";

async function run(socket: string, args: string[]): Promise<string> {
  const r = await tmux(socket, args);
  if (r.code !== 0) throw new Error(`tmux ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout.replace(/\n$/, "");
}

function screen(socket: string, target: string, options: { escapes?: boolean } = {}) {
  return run(socket, ["capture-pane", "-p", ...(options.escapes ? ["-e"] : []), "-t", target]);
}

function flags(socket: string, target: string): Promise<string> {
  return run(socket, ["display-message", "-p", "-t", target, "#{alternate_on} #{cursor_flag}"]);
}

async function waitScreen(
  socket: string,
  target: string,
  test: (text: string) => boolean,
  what: string,
): Promise<string> {
  let last = "";
  try {
    await waitFor(async () => test(last = await screen(socket, target)), {
      timeoutMs: 20_000,
      everyMs: 100,
      what,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; the screen:\n${last}`);
  }
  return last;
}

async function keys(socket: string, target: string, ...list: string[]): Promise<void> {
  for (const key of list) {
    await run(socket, ["send-keys", "-t", target, key]);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function type(socket: string, target: string, text: string): Promise<void> {
  await run(socket, ["send-keys", "-t", target, "-l", "--", text]);
}

/** Types a command line into the shell of `target` and presses Enter. */
async function shell(socket: string, target: string, line: string): Promise<void> {
  await type(socket, target, line);
  await run(socket, ["send-keys", "-t", target, "Enter"]);
}

/** The terminal is given back: no alternate screen, cursor shown, cooked mode, a live prompt. */
async function assertRestored(socket: string, target: string, marker: string): Promise<string> {
  await waitFor(async () => (await flags(socket, target)) === "0 1", {
    timeoutMs: 10_000,
    what: `alternate screen off and cursor shown in ${target}`,
  });
  await shell(
    socket,
    target,
    `stty -a | grep -q -- ' -icanon' && echo RAW-${marker} || echo COOKED-$((40+2))-${marker}`,
  );
  return await waitScreen(
    socket,
    target,
    (t) => t.includes(`COOKED-42-${marker}`) || t.includes(`RAW-${marker}\n`),
    `the shell's answer (${marker})`,
  );
}

/** What each (non-control-mode) client of `socket` shows: `SESSION %PANE` per client. */
async function viewers(socket: string, format = "#{client_session} #{pane_id}"): Promise<string> {
  const lines = await run(socket, ["list-clients", "-F", `#{client_control_mode}|${format}`]);
  return lines.split("\n").filter((l) => l.startsWith("0|")).map((l) => l.slice(2)).join("\n");
}

/** The row of agent `name` on a `top` screen. */
function row(text: string, name: string): string {
  return text.split("\n").find((l) => new RegExp(`^[> ] ${name} `).test(l)) ?? "";
}

Deno.test("e2e top: live view, j/k, /, e, s, Enter in and outside tmux, q, Ctrl-C, SIGTERM", async () => {
  const team = await Team.create();
  const outer = privateSocketName();
  try {
    const alpha = await team.agent({ session: "agents", window: "alpha" });
    const beta = await team.agent({ session: "agents", window: "beta" });
    await team.register(alpha.paneId, ["--name", "alpha", "--profile", "claude"]);
    await team.register(beta.paneId, ["--name", "beta", "--profile", "claude"]);
    team.startMonitor(["--no-submit-stuck"]);
    await beta.command({ state: "waiting" });
    await waitFor(async () => {
      const agents = await team.agents();
      return agents.find((a) => a.name === "beta")?.state === "waiting" &&
        agents.some((a) => a.name === "alpha");
    }, { timeoutMs: 20_000, what: "the monitor to see both agents" });

    const top = cliArgv(["top", "--interval", "0.3", ...team.box.global]).map(shellQuote)
      .join(" ");
    const sock = team.box.socket;

    // The user's terminal: a pane of another server, with no $TMUX (outside tmux).
    await run(outer, [
      "new-session",
      "-d",
      "-s",
      "o",
      "-x",
      "110",
      "-y",
      "30",
      "--",
      "env",
      "-u",
      "TMUX",
      "-u",
      "NO_COLOR", // CI exports NO_COLOR=1; the colour checks below set it themselves
      "PS1=$ ",
      "bash",
      "--norc",
      "--noprofile",
    ]);
    const term = "o:0.0";
    await shell(outer, term, top);
    let text = await waitScreen(
      outer,
      term,
      (t) =>
        /◆ waiting/.test(row(t, "beta")) && /[●○] (active|idle)/.test(row(t, "alpha")) &&
        /monitor ● ok/.test(t),
      "top showing the agents",
    );
    assert.equal(await flags(outer, term), "1 0", "alternate screen on, cursor hidden");
    assert.match(
      text,
      /^tmux-orc top {2}monitor ● ok pid \d+ · cycle \d+ took [\d.]+ ms, every 0\.3 s/,
    );
    assert.match(text.split("\n")[1], /^unsupervised$/);
    assert.match(text.split("\n")[2], /^2 agents {2}[●○] 1 (active|idle) {2}◆ 1 waiting$/);
    assert.match(row(text, "alpha"), /^> alpha +agents:\d+\.0 +claude +[●○] (active|idle)/);
    assert.match(row(text, "beta"), /^ {2}beta +agents:\d+\.0 +claude +◆ waiting/);
    assert.match(text, /── events ─+\n.*transition +(alpha|beta)/);

    // j/k move the selection.
    await keys(outer, term, "j");
    text = await waitScreen(outer, term, (t) => row(t, "beta").startsWith(">"), "beta selected");
    assert.ok(row(text, "alpha").startsWith(" "));
    await keys(outer, term, "k");
    await waitScreen(outer, term, (t) => row(t, "alpha").startsWith(">"), "alpha selected");

    // / filters live; Enter keeps the filter; Esc clears it.
    await keys(outer, term, "/");
    await type(outer, term, "bet");
    text = await waitScreen(outer, term, (t) => /^filter: bet█/m.test(t), "the filter line");
    assert.equal(row(text, "alpha"), "", "alpha filtered out");
    assert.notEqual(row(text, "beta"), "");
    await keys(outer, term, "Enter");
    await waitScreen(outer, term, (t) => /filter "bet": 1\/2/.test(t), "the filter applied");
    await keys(outer, term, "Escape");
    await waitScreen(outer, term, (t) => row(t, "alpha") !== "", "the filter cleared");

    // e presses Enter in the selected pane: alpha's unsent text is submitted.
    await alpha.command({ state: "stuck", text: "unsent words" });
    await waitScreen(outer, term, (t) => /▲ stuck_input/.test(row(t, "alpha")), "alpha stuck");
    await keys(outer, term, "g", "e");
    await waitScreen(outer, term, (t) => t.includes(`Pressed Enter in ${alpha.paneId}`), "e done");
    await waitFor(async () => (await alpha.messages()).includes("unsent words"), {
      timeoutMs: 10_000,
      what: "alpha to receive the Enter",
    });

    // s sends a message through the reliable send path.
    await waitScreen(outer, term, (t) => !/stuck_input/.test(row(t, "alpha")), "alpha unstuck");
    await keys(outer, term, "s");
    await type(outer, term, "hello from top; $(id) `x` 日本");
    await waitScreen(
      outer,
      term,
      (t) => /^message to alpha \(%\d+\): hello from top/m.test(t),
      "prompt",
    );
    await keys(outer, term, "Enter");
    text = await waitScreen(
      outer,
      term,
      (t) => /✓ Delivered to %\d+ \(agents:\d+\.0\) \(verified, \d Enter press/.test(t),
      "the delivery notice",
    );
    await waitFor(
      async () => (await alpha.messages()).includes("hello from top; $(id) `x` 日本"),
      { timeoutMs: 10_000, what: "alpha to receive the message" },
    );

    // Enter outside tmux: top ends, restores the terminal and prints the attach command.
    await keys(outer, term, "j", "Enter");
    text = await waitScreen(outer, term, (t) => /^To attach: /m.test(t), "the attach command");
    const attach = text.match(/^To attach: (.*)$/m)![1];
    assert.equal(
      attach,
      `tmux -L ${sock} select-window -t ${beta.paneId} \\; select-pane -t ${beta.paneId} \\; ` +
        `attach-session -t ${beta.paneId}`,
    );
    text = await assertRestored(outer, term, "enter");
    assert.match(text, /COOKED-42-enter/);

    // That command attaches this terminal to beta's pane.
    await shell(outer, term, attach);
    await waitScreen(outer, term, (t) => t.includes("Do you want to proceed?"), "beta's screen");
    assert.equal(await viewers(sock), `agents ${beta.paneId}`);
    const client = await viewers(sock, "#{client_name}");

    // Inside tmux: top in a window of the same server; Enter switches the client to the pane.
    const topPane = await run(sock, [
      "new-window",
      "-d",
      "-t",
      "main:",
      "-n",
      "top",
      "-P",
      "-F",
      "#{pane_id}",
      "--",
      "env",
      "-u",
      "NO_COLOR",
      "PS1=$ ",
      "bash",
      "--norc",
      "--noprofile",
    ]);
    await run(sock, ["switch-client", "-c", client, "-t", topPane]);
    await shell(sock, topPane, top);
    await waitScreen(sock, topPane, (t) => row(t, "alpha").startsWith(">"), "top inside tmux");
    await keys(sock, topPane, "Enter");
    await waitFor(
      async () => (await viewers(sock)) === `agents ${alpha.paneId}`,
      { timeoutMs: 10_000, what: "the client switched to alpha's pane" },
    );
    await waitScreen(outer, term, (t) => t.includes("hello from top"), "alpha's screen shown");

    // Resize: top follows the window's new size.
    const rule = (t: string) => t.split("\n").find((l) => l.startsWith("── events ")) ?? "";
    assert.equal([...rule(await screen(sock, topPane))].length, 110, "the client's width first");
    await run(sock, ["resize-window", "-t", topPane, "-x", "90", "-y", "25"]);
    text = await waitScreen(sock, topPane, (t) => [...rule(t)].length === 90, "a 90-column frame");
    assert.equal(text.split("\n").length, 25);
    assert.ok(text.split("\n").every((l) => [...l].length <= 90));

    // q quits and restores (a pane that is not the one shown: the checks are tmux's own).
    await keys(sock, topPane, "q");
    await assertRestored(sock, topPane, "q");

    // Ctrl-C with NO_COLOR: no colour on screen, then restored.
    await shell(sock, topPane, `NO_COLOR=1 ${top}`);
    await waitScreen(sock, topPane, (t) => row(t, "alpha") !== "", "top with NO_COLOR");
    const mono = await screen(sock, topPane, { escapes: true });
    assert.doesNotMatch(mono, /\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;5;\d+)m/, "no colour codes");
    await keys(sock, topPane, "C-c");
    await assertRestored(sock, topPane, "ctrlc");

    // SIGTERM: restored too; colours on without NO_COLOR.
    await shell(sock, topPane, top);
    await waitScreen(sock, topPane, (t) => row(t, "alpha") !== "", "top again");
    const colored = await screen(sock, topPane, { escapes: true });
    assert.match(colored, /\x1b\[[0-9;]*3[0-7]m/, "colour codes");
    const bash = await run(sock, ["display-message", "-p", "-t", topPane, "#{pane_pid}"]);
    const ps = await new Deno.Command("ps", {
      args: ["-o", "pid=", "--ppid", bash],
      stdout: "piped",
    })
      .output();
    const pid = Number(new TextDecoder().decode(ps.stdout).trim().split("\n")[0]);
    assert.ok(pid > 0, "top's pid");
    signal(pid, "SIGTERM");
    await assertRestored(sock, topPane, "term");
  } finally {
    await killTmuxServer(outer);
    await team.cleanup();
  }
});

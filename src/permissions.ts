/**
 * The Deno permissions tmux-orc needs — one list, used by `deno compile` and the bundle's
 * shebang (`scripts/build_common.ts`, `scripts/bundle.ts`), by `selfCommand`
 * (`src/lifecycle/self_exec.ts`) when the program re-runs itself under `deno run` (the
 * supervisor's monitor, `monitor start`, the systemd unit), and so by every CLI test, which runs
 * the program that way: a permission the binary would lack fails a test.
 *
 * The flags are not scoped to paths or names: the state dir and the tmux socket dir are only
 * known at run time (`--state-dir`, `$TMUX_ORC_STATE_DIR`, `$XDG_STATE_HOME`, `-S`), and so is
 * this program's own path. What each one is for:
 *
 * - read/write: the state dir (pid files, locks, heartbeat, logs, the SQLite store) and the unit
 *   file of `service install`;
 * - run: `tmux`, this program itself (the supervisor starts the monitor), `systemctl`
 *   (`service install --enable`, `service status`), and `cat` for `/proc/PID/stat` (process
 *   identity: Deno grants `/proc` only to `--allow-all`, and `--allow-read=/proc` does not count);
 * - env: `TMUX_ORC_STATE_DIR`, `XDG_STATE_HOME`, `HOME`, `XDG_CONFIG_HOME` (the user unit's
 *   place), `TMUX_ORC_DEBUG` (stack traces) and the tests' `TMUX_ORC_TEST_*` switches;
 * - sys: `Deno.umask` (so every file it creates is private) and `Deno.uid` (a state dir or file
 *   owned by someone else is refused); Deno has no finer flag for them;
 * - net: the metrics endpoint (`--metrics-listen HOST:PORT`, an address known at run time), the
 *   supervisor reading its monitor's endpoint on 127.0.0.1, and the notification channels' HTTP
 *   POSTs (webhook, Slack, Discord, Teams, ntfy: hosts known only from the config file, so the
 *   flag cannot name them). Nothing listens unless `--metrics-listen` is given, and nothing
 *   connects out unless a `[[channels]]` table names a URL.
 *
 * No FFI, no `--allow-all`.
 *
 * @module
 */

/** The permission flags for `deno run` / `deno compile`. */
export const PERMISSION_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
  "--allow-net",
];

/**
 * The V8 flags tmux-orc runs with, passed wherever the permission flags are (`selfCommand` under
 * `deno run`, and `deno compile`, which builds them into the binary): `--optimize-for-size` keeps
 * V8's heap near its live size instead of growing it to match the allocation rate. Measured with
 * `deno task soak` (docs/performance.md#memory): the monitor at 300 busy agents peaked at 83 MB
 * instead of 110–169 MB, at the same CPU per cycle. `--no-memory-reducer` stops the GCs V8 runs
 * after activity to shrink the heap, which were most of an idle monitor's CPU: 3.3 ms/s for the
 * monitor and its detection child between cycles at 100 agents, 0.33 ms/s without; the soak at 300
 * busy agents stayed under budget (max 90.8 MB after warm-up, 88.8 MB at `--interval 10`).
 */
export const V8_FLAGS: readonly string[] = ["--optimize-for-size", "--no-memory-reducer"];

/** {@linkcode V8_FLAGS} as one `deno run` / `deno compile` argument. */
export const V8_FLAGS_ARG = `--v8-flags=${V8_FLAGS.join(",")}`;

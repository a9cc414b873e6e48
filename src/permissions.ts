/**
 * The Deno permissions tmux-orc needs — one list, used by `deno compile`, by the supervisor when
 * it re-runs itself under `deno run`, and by the CLI tests, so a permission the binary would lack
 * fails a test here.
 *
 * - read/write: the state dir, the tmux socket dir;
 * - run: `tmux`, this program itself (the supervisor starts the monitor), and `cat` for
 *   `/proc/PID/stat` (process identity: Deno grants `/proc` only to `--allow-all`, and
 *   `--allow-read=/proc` does not count);
 * - env: state-dir and tmux variables (`TMUX_ORC_*`, `XDG_STATE_HOME`, `HOME`, `TMUX_TMPDIR`…);
 * - sys: `umask` (so every file it creates is private); Deno has no finer flag for it.
 * No network, no FFI.
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
];

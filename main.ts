/**
 * tmux-orc: keeps AI coding agents in tmux working around the clock.
 *
 * The monitor's detection child (`tmux-orc monitor --detect-child`, see
 * `src/monitor/detector.ts`) loads detection only, not the whole CLI: a smaller process.
 *
 * @module
 */

if (import.meta.main) {
  const args = Deno.args;
  if (args.length === 2 && args[0] === "monitor" && args[1] === "--detect-child") {
    const { runDetectChild } = await import("./src/monitor/detect_child.ts");
    Deno.exit(await runDetectChild());
  }
  const { main } = await import("./src/cli/mod.ts");
  Deno.exit(await main(Deno.args));
}

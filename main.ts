/**
 * tmux-orc: keeps AI coding agents in tmux working around the clock.
 *
 * Two modes load only their own small module graph, not the whole CLI: `tmux-orc hook` (run
 * inside an agent CLI's turn, see `src/hooks/record.ts`) and the monitor's detection child
 * (`tmux-orc monitor --detect-child`, see `src/monitor/detector.ts`): a smaller process.
 *
 * @module
 */

if (import.meta.main) {
  const args = Deno.args;
  // `tmux-orc hook` runs inside an agent CLI's turn: it loads only its own small module graph
  // (the whole CLI's takes ~0.1 s more to load). `hook --help` goes the long way.
  if (args[0] === "hook" && !args.includes("--help") && !args.includes("-h")) {
    const { hookMain } = await import("./src/hooks/record.ts");
    Deno.exit(await hookMain(args.slice(1)));
  }
  if (args.length === 2 && args[0] === "monitor" && args[1] === "--detect-child") {
    const { runDetectChild } = await import("./src/monitor/detect_child.ts");
    Deno.exit(await runDetectChild());
  }
  const { main } = await import("./src/cli/mod.ts");
  Deno.exit(await main(args));
}

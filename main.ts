/**
 * tmux-orc: keeps AI coding agents in tmux working around the clock.
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
  const { main } = await import("./src/cli/mod.ts");
  Deno.exit(await main(args));
}

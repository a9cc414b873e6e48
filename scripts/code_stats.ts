/**
 * Prints the figures issue 13 tracks: the largest files in `src/` (lines) and the longest
 * functions (lines from the function's first to its last line, nested functions included).
 * Functions are found by Deno's own parser through a lint plugin, which `Deno.lint.runPlugin`
 * runs only under `deno test`:
 *
 * @example
 * ```sh
 * deno test --allow-read scripts/code_stats.ts            # src/
 * deno test --allow-read scripts/code_stats.ts -- src/monitor
 * ```
 *
 * @module
 */

import { join, relative } from "node:path";

/** One function found in a file. */
export interface FunctionSpan {
  /** `file:line`. */
  where: string;
  /** The function's name, as far as its syntax gives one (`<anonymous>` otherwise). */
  name: string;
  /** Lines from its first line to its last. */
  lines: number;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...walk(path));
    else if (entry.isFile && path.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

// deno-lint-ignore no-explicit-any
function nameOf(node: any): string {
  const parent = node.parent;
  if (node.id?.name) return node.id.name;
  if (parent?.type === "MethodDefinition" || parent?.type === "Property") {
    return parent.key?.name ?? parent.key?.value ?? "<method>";
  }
  if (parent?.type === "VariableDeclarator") return parent.id?.name ?? "<anonymous>";
  return "<anonymous>";
}

/** The functions of one source text, longest first. */
export function functionSpans(file: string, source: string): FunctionSpan[] {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const names = new Map<string, string>();
  const plugin: Deno.lint.Plugin = {
    name: "code-stats",
    rules: {
      function: {
        create(ctx) {
          const report = (node: Deno.lint.Node) => {
            names.set(`${node.range[0]}:${node.range[1]}`, nameOf(node));
            ctx.report({ node, message: "function" });
          };
          return {
            FunctionDeclaration: report,
            FunctionExpression: report,
            ArrowFunctionExpression: report,
          };
        },
      },
    },
  };
  return Deno.lint.runPlugin(plugin, file, source).map((d) => {
    const [start, end] = d.range;
    const first = lineOf(start);
    return {
      where: `${file}:${first}`,
      name: names.get(`${start}:${end}`) ?? "<anonymous>",
      lines: lineOf(end) - first + 1,
    };
  }).sort((a, b) => b.lines - a.lines);
}

Deno.test("code stats", () => {
  const roots = Deno.args.length > 0 ? Deno.args : ["src"];
  const files = roots.flatMap((root) => walk(root));
  const sizes = files.map((path) => {
    const text = Deno.readTextFileSync(path);
    return { path: relative(Deno.cwd(), path), lines: text.split("\n").length - 1, text };
  }).sort((a, b) => b.lines - a.lines);
  const spans = sizes.flatMap((f) => functionSpans(f.path, f.text))
    .sort((a, b) => b.lines - a.lines);
  const total = sizes.reduce((n, f) => n + f.lines, 0);
  console.log(`${files.length} files, ${total} lines in ${roots.join(", ")}`);
  console.log("Largest files:");
  for (const f of sizes.slice(0, 8)) console.log(`  ${String(f.lines).padStart(5)}  ${f.path}`);
  console.log("Longest functions:");
  for (const s of spans.slice(0, Number(Deno.env.get("TOP") ?? 8))) {
    console.log(`  ${String(s.lines).padStart(5)}  ${s.name} (${s.where})`);
  }
  console.log(`Files over 500 lines: ${sizes.filter((f) => f.lines > 500).length}`);
  console.log(`Functions over 80 lines: ${spans.filter((s) => s.lines > 80).length}`);
});

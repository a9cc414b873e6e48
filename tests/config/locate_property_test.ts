/**
 * The key locator agrees with the TOML parser: for any document (written by smol-toml, then
 * reflowed by hand-written noise: comments, blank lines, multi-line strings and arrays), every
 * leaf key's line is the line that defines it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse, stringify } from "smol-toml";
import { keyLines, lineOf } from "../../src/config/locate.ts";

const key = fc.constantFrom("a", "b", "url", "type", "b c", "x.y", "é", "[k]", "#h", 'q"t');
const scalar = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constantFrom("plain", "[not.a.table]", "a = b", "# no comment", 'q"uote', "line\nbreak"),
);
const tree: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ table: Record<string, unknown> }>(
  (tie) => ({
    table: fc.dictionary(
      key,
      fc.oneof(
        { depthSize: "small" },
        scalar,
        fc.array(scalar, { maxLength: 3 }),
        tie("table"),
        fc.array(tie("table"), { minLength: 1, maxLength: 3 }),
      ),
      { maxKeys: 4 },
    ),
  }),
).table;

function leaves(value: unknown, path: (string | number)[], out: (string | number)[][]) {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "object")) {
    value.forEach((v, i) => leaves(v, [...path, i], out));
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  } else out.push(path);
}

/** `text` defines the path's last key: `key = …`, or a header ending in it (an empty table). */
function defines(text: string, path: (string | number)[]): boolean {
  const last = path.filter((p) => typeof p === "string").at(-1) as string;
  const line = text.trim();
  return [last, JSON.stringify(last)].some((form) =>
    line.startsWith(`${form} = `) ||
    (line.startsWith("[") && line.replace(/\]+$/, "").endsWith(form))
  );
}

Deno.test("lineOf: every leaf of a stringified document is found on its own line (property)", () => {
  fc.assert(
    fc.property(tree, fc.boolean(), (data, noise) => {
      let source = stringify(data);
      if (noise) {
        // Comments and blank lines move every line; the scanner must follow.
        source = source.split("\n").map((l) => `${l}\n# [fake] = 1\n`).join("");
      }
      const parsed = parse(source);
      const lines = keyLines(source);
      const text = source.split("\n");
      const paths: (string | number)[][] = [];
      leaves(parsed, [], paths);
      for (const path of paths) {
        if (path.length === 0) continue;
        const line = lineOf(lines, path);
        assert.ok(line !== undefined, `no line for ${JSON.stringify(path)} in\n${source}`);
        assert.ok(
          defines(text[line - 1], path),
          `line ${line} '${text[line - 1]}' for ${JSON.stringify(path)} in\n${source}`,
        );
      }
    }),
    { numRuns: 300 },
  );
});

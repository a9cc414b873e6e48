/**
 * A static check that a user's regular expression (from `profiles.json`) cannot backtrack
 * catastrophically on a line of pane output. JavaScript's engine backtracks: `(a+)+$`, `(a|a)*$`
 * or `(\w+\s?)*$` take exponential time on a line such as `aaaa…!`, and one such pattern in a
 * profile stalled every monitor cycle for minutes. Refused, with the reason:
 *
 * - **nested quantifiers**: a group repeated more than once (`*`, `+`, `{2,}`, `{1,5}`) that
 *   contains a variable-count quantifier (`(a+)+`, `(x?y*)*`, `(\s*\w)+`);
 * - **overlapping alternatives under a quantifier**: `(a|ab)*`, `(\w|_)+`, `(a|)+` — two branches
 *   that can start with the same character (or one that can be empty);
 * - **adjacent overlapping repeats**: `\s*\s*`, `.*.+`, `\d+\w*` — the split between them is
 *   ambiguous, which is quadratic or worse on a long run;
 * - **backreferences** (`\1`, `\k<name>`): matching them is NP-hard in general;
 * - sources longer than {@linkcode MAX_PATTERN_LENGTH}.
 *
 * It is deliberately conservative (a few safe patterns are refused too: rewrite `(\s*foo)+` as
 * `(?:\s+foo|foo)+`… or simply drop the outer repeat — a marker rarely needs one). The monitor
 * also runs detection under a per-cycle deadline, so a pattern that slips through cannot stall it.
 *
 * @module
 */

/** Longest accepted pattern source. */
export const MAX_PATTERN_LENGTH = 1000;

/** A set of code points as sorted, non-overlapping inclusive ranges. */
type Ranges = [number, number][];

type Node =
  | { kind: "chars"; set: Ranges }
  | { kind: "empty" }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; branches: Node[] }
  | { kind: "group"; body: Node; look: boolean }
  | { kind: "quant"; body: Node; min: number; max: number }
  | { kind: "backref" };

const ALL: Ranges = [[0, 0x10ffff]];
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

function normalize(ranges: Ranges): Ranges {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function intersects(a: Ranges, b: Ranges): boolean {
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) if (a0 <= b1 && b0 <= a1) return true;
  }
  return false;
}

/** Adds the other case of ASCII letters (for the `i` flag). */
function caseFold(ranges: Ranges): Ranges {
  const extra: Ranges = [];
  for (const [a, b] of ranges) {
    const lo = Math.max(a, 0x41), hi = Math.min(b, 0x5a);
    if (lo <= hi) extra.push([lo + 32, hi + 32]);
    const lo2 = Math.max(a, 0x61), hi2 = Math.min(b, 0x7a);
    if (lo2 <= hi2) extra.push([lo2 - 32, hi2 - 32]);
  }
  return normalize([...ranges, ...extra]);
}

class Parser {
  #src: string;
  #i = 0;
  #fold: boolean;

  constructor(src: string, flags: string) {
    this.#src = src;
    this.#fold = flags.includes("i");
  }

  parse(): Node {
    const node = this.#alt();
    if (this.#i < this.#src.length) throw new Error(`unexpected ")" at ${this.#i}`);
    return node;
  }

  #peek(): string | undefined {
    return this.#src[this.#i];
  }

  #alt(): Node {
    const branches = [this.#seq()];
    while (this.#peek() === "|") {
      this.#i++;
      branches.push(this.#seq());
    }
    return branches.length === 1 ? branches[0] : { kind: "alt", branches };
  }

  #seq(): Node {
    const items: Node[] = [];
    while (this.#i < this.#src.length && this.#peek() !== "|" && this.#peek() !== ")") {
      const atom = this.#atom();
      items.push(this.#quantifier(atom));
    }
    if (items.length === 0) return { kind: "empty" };
    return items.length === 1 ? items[0] : { kind: "seq", items };
  }

  #quantifier(atom: Node): Node {
    const c = this.#peek();
    let min: number, max: number;
    if (c === "*") [min, max] = [0, Infinity];
    else if (c === "+") [min, max] = [1, Infinity];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#i));
      if (!m) return atom; // a literal "{"
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      this.#i += m[0].length - 1;
    } else return atom;
    this.#i++;
    if (this.#peek() === "?") this.#i++; // lazy: same backtracking
    return { kind: "quant", body: atom, min, max };
  }

  #chars(set: Ranges): Node {
    return { kind: "chars", set: this.#fold ? caseFold(set) : normalize(set) };
  }

  #atom(): Node {
    const c = this.#src[this.#i++];
    if (c === "(") {
      let look = false;
      const rest = this.#src.slice(this.#i);
      const head = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)?/.exec(rest)?.[0] ?? "";
      if (/^\?(=|!|<=|<!)$/.test(head)) look = true;
      this.#i += head.length;
      const body = this.#alt();
      if (this.#src[this.#i++] !== ")") throw new Error("unterminated group");
      return { kind: "group", body, look };
    }
    if (c === "[") return this.#chars(this.#classBody());
    if (c === ".") return this.#chars(ALL);
    if (c === "^" || c === "$") return { kind: "empty" };
    if (c === "\\") return this.#escape(false) as Node;
    return this.#chars([[c.codePointAt(0)!, c.codePointAt(0)!]]);
  }

  /** Parses after a backslash; in a class, returns ranges, else a node. */
  #escape(inClass: boolean): Node | Ranges {
    const c = this.#src[this.#i++] ?? "\\";
    const set = (r: Ranges) => (inClass ? r : this.#chars(r));
    switch (c) {
      case "d":
        return set(DIGIT);
      case "D":
        return set(complement(DIGIT));
      case "w":
        return set(WORD);
      case "W":
        return set(complement(WORD));
      case "s":
        return set(SPACE);
      case "S":
        return set(complement(SPACE));
      case "b":
      case "B":
        return inClass ? [[8, 8]] : { kind: "empty" };
      case "k":
        if (!inClass && this.#peek() === "<") {
          this.#i = this.#src.indexOf(">", this.#i) + 1 || this.#src.length;
          return { kind: "backref" };
        }
        return set([[0x6b, 0x6b]]);
      case "p":
      case "P":
        if (this.#peek() === "{") this.#i = this.#src.indexOf("}", this.#i) + 1;
        return set(ALL); // a Unicode property: treated as overlapping anything
      case "u":
      case "x": {
        const m = c === "x"
          ? /^[0-9a-fA-F]{2}/.exec(this.#src.slice(this.#i))
          : /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})/.exec(this.#src.slice(this.#i));
        if (!m) return set([[c.codePointAt(0)!, c.codePointAt(0)!]]);
        this.#i += m[0].length;
        const code = parseInt(m[0].replace(/[{}]/g, ""), 16);
        return set([[code, code]]);
      }
      case "t":
        return set([[9, 9]]);
      case "n":
        return set([[10, 10]]);
      case "r":
        return set([[13, 13]]);
      default:
        if (/[1-9]/.test(c) && !inClass) {
          while (/\d/.test(this.#peek() ?? "")) this.#i++;
          return { kind: "backref" };
        }
        return set([[c.codePointAt(0)!, c.codePointAt(0)!]]);
    }
  }

  #classBody(): Ranges {
    let negate = false;
    if (this.#peek() === "^") {
      negate = true;
      this.#i++;
    }
    const ranges: Ranges = [];
    let first = true;
    while (this.#i < this.#src.length && (this.#peek() !== "]" || first)) {
      first = false;
      const one = (): Ranges => {
        const c = this.#src[this.#i++];
        if (c === "\\") return this.#escape(true) as Ranges;
        const code = c.codePointAt(0)!;
        if (code > 0xffff) this.#i++;
        return [[code, code]];
      };
      const lo = one();
      if (this.#peek() === "-" && this.#src[this.#i + 1] !== "]" && lo.length === 1) {
        this.#i++;
        const hi = one();
        if (hi.length === 1) {
          ranges.push([lo[0][0], hi[0][1]]);
          continue;
        }
        ranges.push(...lo, [0x2d, 0x2d], ...hi);
        continue;
      }
      ranges.push(...lo);
    }
    this.#i++; // "]"
    const set = this.#fold ? caseFold(ranges) : normalize(ranges);
    return negate ? complement(set) : set;
  }
}

/** Whether `node` can match the empty string. */
function nullable(node: Node): boolean {
  switch (node.kind) {
    case "chars":
      return false;
    case "empty":
    case "backref":
      return true;
    case "seq":
      return node.items.every(nullable);
    case "alt":
      return node.branches.some(nullable);
    case "group":
      return node.look || nullable(node.body);
    case "quant":
      return node.min === 0 || nullable(node.body);
  }
}

/** The characters `node` can start with. */
function firstChars(node: Node): Ranges {
  switch (node.kind) {
    case "chars":
      return node.set;
    case "empty":
    case "backref":
      return [];
    case "seq": {
      const out: Ranges = [];
      for (const item of node.items) {
        out.push(...firstChars(item));
        if (!nullable(item)) break;
      }
      return normalize(out);
    }
    case "alt":
      return normalize(node.branches.flatMap(firstChars));
    case "group":
      return node.look ? [] : firstChars(node.body);
    case "quant":
      return firstChars(node.body);
  }
}

/** The characters a repeated `node` consists of (for adjacent-repeat overlap). */
function allChars(node: Node): Ranges {
  switch (node.kind) {
    case "chars":
      return node.set;
    case "empty":
      return [];
    case "backref":
      return ALL;
    case "seq":
      return normalize(node.items.flatMap(allChars));
    case "alt":
      return normalize(node.branches.flatMap(allChars));
    case "group":
      return node.look ? [] : allChars(node.body);
    case "quant":
      return allChars(node.body);
  }
}

/** Whether `node` holds a quantifier whose count can vary (`*`, `+`, `?`, `{1,3}`). */
function hasVariableQuantifier(node: Node): boolean {
  switch (node.kind) {
    case "quant":
      return node.min !== node.max || hasVariableQuantifier(node.body);
    case "seq":
      return node.items.some(hasVariableQuantifier);
    case "alt":
      return node.branches.some(hasVariableQuantifier);
    case "group":
      return hasVariableQuantifier(node.body);
    default:
      return false;
  }
}

/** The alternation a quantified body is, through plain groups. */
function alternationOf(node: Node): Node[] | undefined {
  if (node.kind === "group" && !node.look) return alternationOf(node.body);
  return node.kind === "alt" ? node.branches : undefined;
}

function problem(node: Node): string | undefined {
  switch (node.kind) {
    case "backref":
      return "a backreference";
    case "group":
      return problem(node.body);
    case "alt":
      for (const b of node.branches) {
        const p = problem(b);
        if (p) return p;
      }
      return undefined;
    case "quant": {
      const inner = problem(node.body);
      if (inner) return inner;
      if (node.max <= 1) return undefined;
      if (hasVariableQuantifier(node.body)) return "nested quantifiers";
      if (nullable(node.body)) return "a repeated group that can match the empty string";
      const branches = alternationOf(node.body);
      if (branches) {
        for (let i = 0; i < branches.length; i++) {
          if (nullable(branches[i])) return "a repeated alternation with an empty branch";
          for (let j = i + 1; j < branches.length; j++) {
            if (intersects(firstChars(branches[i]), firstChars(branches[j]))) {
              return "overlapping alternatives under a quantifier";
            }
          }
        }
      }
      return undefined;
    }
    case "seq": {
      for (const item of node.items) {
        const p = problem(item);
        if (p) return p;
      }
      // Adjacent repeats over overlapping characters (only optional items between them).
      let previous: Node | undefined;
      for (const item of node.items) {
        if (item.kind === "quant" && item.max === Infinity) {
          if (previous && intersects(allChars(previous), allChars(item))) {
            return "adjacent repeats that overlap";
          }
          previous = item;
        } else if (!nullable(item)) {
          previous = undefined;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Says why `source` (with `flags`) could backtrack catastrophically, or returns `undefined` when it
 * passes (see the module documentation). A source that cannot be parsed here is refused too.
 *
 * @example
 * ```ts
 * unsafePatternReason("(a+)+$", "i"); // "nested quantifiers"
 * unsafePatternReason("esc to interrupt", "i"); // undefined
 * ```
 */
export function unsafePatternReason(source: string, flags = ""): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) {
    return `longer than ${MAX_PATTERN_LENGTH} characters`;
  }
  let tree: Node;
  try {
    tree = new Parser(source, flags).parse();
  } catch (error) {
    return `cannot be checked: ${(error as Error).message}`;
  }
  return problem(tree);
}

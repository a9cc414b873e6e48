/**
 * Where a key is defined in a TOML source: the line of every table header (`[a.b]`,
 * `[[channels]]`, with the array-of-tables index resolved) and every key (`a.b = …`), so an error
 * about `channels[1].url` can name its line. The source has already been parsed (it is valid
 * TOML); this scanner only has to skip strings, comments and multi-line values correctly.
 *
 * @module
 */

/** A key path into the parsed data: table keys and array indexes. */
export type KeyPath = readonly (string | number)[];

/** One definition: its resolved path and 1-based line. */
export interface KeyLine {
  /** The full path of the header or key. */
  path: (string | number)[];
  /** 1-based line number. */
  line: number;
}

const BARE = /^[A-Za-z0-9_-]+$/;

/** `["channels", 1, "url"]` → `channels[1].url`; keys that are not bare are quoted. */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const key = BARE.test(part) ? part : JSON.stringify(part);
      out += out === "" ? key : `.${key}`;
    }
  }
  return out;
}

/** A cursor over the source that counts lines. */
class Scanner {
  readonly #text: string;
  pos = 0;
  line = 1;

  constructor(text: string) {
    this.#text = text;
  }

  get done(): boolean {
    return this.pos >= this.#text.length;
  }

  peek(offset = 0): string {
    return this.#text[this.pos + offset] ?? "";
  }

  startsWith(s: string): boolean {
    return this.#text.startsWith(s, this.pos);
  }

  next(): string {
    const c = this.#text[this.pos++] ?? "";
    if (c === "\n") this.line++;
    return c;
  }

  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.next();
  }

  skipToLineEnd(): void {
    while (!this.done && this.peek() !== "\n") this.next();
  }

  /** Skips a string starting at the cursor and returns its value (escapes read roughly). */
  string(): string {
    const quote = this.peek();
    const multi = this.startsWith(quote.repeat(3));
    const end = multi ? quote.repeat(3) : quote;
    for (let i = 0; i < end.length; i++) this.next();
    let value = "";
    while (!this.done) {
      if (this.startsWith(end)) {
        for (let i = 0; i < end.length; i++) this.next();
        // A multi-line string may end in up to two more quotes that belong to it.
        while (multi && this.peek() === quote) value += this.next();
        return value;
      }
      const c = this.next();
      if (c === "\\" && quote === '"') {
        const escaped = this.next();
        value += escaped === "u" || escaped === "U" ? decodeUnicode(this, escaped) : escaped;
      } else value += c;
    }
    return value;
  }

  /** Reads a dotted key (`a."b c".d`) up to `=` or `]`. */
  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      const c = this.peek();
      if (c === '"' || c === "'") parts.push(this.string());
      else {
        let bare = "";
        while (/[A-Za-z0-9_-]/.test(this.peek())) bare += this.next();
        if (bare === "") return parts;
        parts.push(bare);
      }
      this.skipSpaces();
      if (this.peek() !== ".") return parts;
      this.next();
    }
  }

  /** Skips a value, however many lines it spans (arrays, inline tables, multi-line strings). */
  value(): void {
    let depth = 0;
    while (!this.done) {
      const c = this.peek();
      if (c === '"' || c === "'") {
        this.string();
        continue;
      }
      if (c === "#") {
        this.skipToLineEnd();
        continue;
      }
      if (c === "\n" && depth === 0) return;
      if (c === "[" || c === "{") depth++;
      if (c === "]" || c === "}") depth--;
      this.next();
    }
  }
}

function decodeUnicode(scanner: Scanner, kind: string): string {
  let hex = "";
  for (let i = 0; i < (kind === "u" ? 4 : 8); i++) hex += scanner.next();
  const code = Number.parseInt(hex, 16);
  return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : "";
}

/**
 * Every header and key definition of a (valid) TOML source, in order, with paths that resolve
 * array-of-tables indexes: the second `[[channels]]` is `["channels", 1]`, and a
 * `[channels.filter]` after it is `["channels", 1, "filter"]`.
 */
export function keyLines(source: string): KeyLine[] {
  const out: KeyLine[] = [];
  const arrays = new Map<string, number>(); // array-of-tables path (joined) → last index
  let table: (string | number)[] = [];
  const s = new Scanner(source);
  const resolve = (keys: string[]): (string | number)[] => {
    const path: (string | number)[] = [];
    for (const key of keys) {
      path.push(key);
      const index = arrays.get(JSON.stringify(path));
      if (index !== undefined) path.push(index);
    }
    return path;
  };
  while (!s.done) {
    s.skipSpaces();
    const c = s.peek();
    if (c === "\n" || c === "\r") {
      s.next();
      continue;
    }
    if (c === "#") {
      s.skipToLineEnd();
      continue;
    }
    const line = s.line;
    if (c === "[") {
      const isArray = s.peek(1) === "[";
      s.next();
      if (isArray) s.next();
      const keys = s.key();
      if (isArray) {
        const parent = resolve(keys.slice(0, -1));
        const own = [...parent, keys[keys.length - 1]];
        const id = JSON.stringify(own);
        const index = (arrays.get(id) ?? -1) + 1;
        // A new element starts afresh: nested arrays of tables under it restart at 0.
        for (const known of [...arrays.keys()]) {
          if (known !== id && known.startsWith(id.slice(0, -1) + ",")) arrays.delete(known);
        }
        arrays.set(id, index);
        table = [...own, index];
      } else table = resolve(keys);
      out.push({ path: table, line });
      s.skipToLineEnd();
      continue;
    }
    const keys = s.key();
    if (keys.length === 0) {
      s.skipToLineEnd(); // not TOML we understand: never loop
      continue;
    }
    out.push({ path: [...table, ...keys], line });
    s.skipSpaces();
    if (s.peek() === "=") s.next();
    s.skipSpaces();
    s.value();
  }
  return out;
}

function commonPrefix(a: KeyPath, b: KeyPath): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The line that defines `path`, or its closest defined ancestor (a value inside an inline table
 * or array is on its key's line); `undefined` when nothing on the path is defined.
 */
export function lineOf(lines: readonly KeyLine[], path: KeyPath): number | undefined {
  let best: KeyLine | undefined;
  let bestLength = 0;
  for (const entry of lines) {
    if (entry.path.length > path.length) continue;
    const n = commonPrefix(entry.path, path);
    if (n !== entry.path.length || n === 0) continue;
    if (n >= bestLength) {
      // Later dotted keys or headers of the same path do not replace the first definition.
      if (n === bestLength && best) continue;
      best = entry;
      bestLength = n;
    }
  }
  return best?.line;
}

/**
 * A small Prometheus text exposition (format 0.0.4) writer: counters, gauges and histograms with
 * labels, rendered on demand. Label values come from pane text (agent names, session names,
 * profiles) and are untrusted: control characters, escape sequences and bidi overrides are made
 * visible first (`safeText`), then backslash, double quote and newline are escaped as the format
 * requires, and a value is cut at {@linkcode MAX_LABEL_LENGTH} characters. Metric and label names
 * are the program's own and checked once, when a family is created.
 *
 * Why not prom-client: it is a Node library built around a global registry, `cluster` and
 * process collectors; this program needs three metric kinds rendered to a string, ~150 lines with
 * no dependency that the compile and the bundle must carry.
 *
 * @module
 */

import { safeText } from "../util/safe_text.ts";

/** The `Content-Type` of the text exposition format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The longest label value written (characters); longer values are cut and end with `…`. */
export const MAX_LABEL_LENGTH = 200;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Label values that are written as they are. */
const PLAIN = /^[\w%.:/@+ -]*$/;

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A label value as the format writes it (without the quotes): visible control characters, then
 * `\\`, `\"` and `\n` escaped.
 *
 * @example
 * ```ts
 * import { escapeLabelValue } from "./exposition.ts";
 * escapeLabelValue('a"b\\c'); // 'a\\"b\\\\c'
 * escapeLabelValue("x\x1b[2J"); // "x\\\\x1b[2J"
 * ```
 */
export function escapeLabelValue(value: string): string {
  // The common case (names, sessions, pane ids, states) needs no work.
  if (value.length <= MAX_LABEL_LENGTH && PLAIN.test(value)) return value;
  let text = safeText(value);
  if (text.length > MAX_LABEL_LENGTH) text = text.slice(0, MAX_LABEL_LENGTH - 1) + "…";
  return text.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** A number as the format writes it (`+Inf`, `-Inf`, `NaN`, else JavaScript's shortest form). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  return `{${parts.join(",")}}`;
}

function checkNames(name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name)) throw new TypeError(`Invalid metric name: ${name}`);
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith("__")) {
      throw new TypeError(`Invalid label name for ${name}: ${label}`);
    }
  }
}

/** What every family shares: a name, help, label names, and its series by label values. */
abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { values: string[]; sample: S }>();

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    checkNames(name, labelNames);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  abstract get type(): string;
  protected abstract fresh(): S;
  protected abstract lines(prefix: string, values: readonly string[], sample: S): string[];

  protected entry(labels: Labels): S {
    const values = this.labelNames.map((n) => labels[n] ?? "");
    const key = values.join("\0");
    let found = this.series.get(key);
    if (!found) {
      found = { values, sample: this.fresh() };
      this.series.set(key, found);
    }
    return found.sample;
  }

  /** Forgets every series (a gauge family rebuilt from scratch each cycle). */
  clear(): void {
    this.series.clear();
  }

  /** This family as exposition text (HELP, TYPE, one line per sample). */
  render(): string {
    const help = this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
    const out = [`# HELP ${this.name} ${help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, sample } of this.series.values()) {
      out.push(...this.lines(this.name, values, sample));
    }
    return out.join("\n") + "\n";
  }
}

/** A value per label set, set to anything. */
export class Gauge extends Family<{ value: number }> {
  get type(): string {
    return "gauge";
  }
  protected fresh(): { value: number } {
    return { value: 0 };
  }
  protected lines(name: string, values: readonly string[], s: { value: number }): string[] {
    return [`${name}${labelText(this.labelNames, values)} ${formatValue(s.value)}`];
  }
  /** Sets the series of `labels` to `value`. */
  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }
}

/** A total that only goes up, per label set. Its name ends in `_total`. */
export class Counter extends Family<{ value: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
    if (!name.endsWith("_total")) throw new TypeError(`Counter name must end in _total: ${name}`);
  }
  get type(): string {
    return "counter";
  }
  protected fresh(): { value: number } {
    return { value: 0 };
  }
  protected lines(name: string, values: readonly string[], s: { value: number }): string[] {
    return [`${name}${labelText(this.labelNames, values)} ${formatValue(s.value)}`];
  }
  /** Adds `by` (default 1; never negative) to the series of `labels`, creating it at 0. */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`Counter ${this.name} cannot go down: ${by}`);
    this.entry(labels).value += by;
  }
  /** Sets a total kept elsewhere (it must not go down). */
  setTotal(labels: Labels, value: number): void {
    const entry = this.entry(labels);
    entry.value = Math.max(entry.value, value);
  }
}

interface HistogramSample {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets (`_bucket{le=…}`, `_sum`, `_count`). */
export class Histogram extends Family<HistogramSample> {
  readonly buckets: readonly number[];

  constructor(
    name: string,
    help: string,
    options: { buckets: readonly number[]; labelNames?: readonly string[] },
  ) {
    super(name, help, options.labelNames ?? []);
    const sorted = [...options.buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || sorted[i - 1] === b)) {
      throw new TypeError(`Invalid buckets for ${name}: ${options.buckets.join(", ")}`);
    }
    this.buckets = sorted;
  }
  get type(): string {
    return "histogram";
  }
  protected fresh(): HistogramSample {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  protected lines(name: string, values: readonly string[], s: HistogramSample): string[] {
    const names = [...this.labelNames, "le"];
    const out = this.buckets.map((le, i) =>
      `${name}_bucket${labelText(names, [...values, formatValue(le)])} ${s.counts[i]}`
    );
    out.push(`${name}_bucket${labelText(names, [...values, "+Inf"])} ${s.count}`);
    const plain = labelText(this.labelNames, values);
    out.push(`${name}_sum${plain} ${formatValue(s.sum)}`, `${name}_count${plain} ${s.count}`);
    return out;
  }
  /** Counts one observation into the series of `labels`. */
  observe(value: number, labels: Labels = {}): void {
    const s = this.entry(labels);
    for (const [i, le] of this.buckets.entries()) if (value <= le) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
}

/** Families rendered in the order they were added. */
export class Registry {
  readonly #families: (Gauge | Counter | Histogram)[] = [];

  /** Adds a family; a second family of the same name is a programming error. */
  add<F extends Gauge | Counter | Histogram>(family: F): F {
    if (this.#families.some((f) => f.name === family.name)) {
      throw new TypeError(`Duplicate metric: ${family.name}`);
    }
    this.#families.push(family);
    return family;
  }

  /** Every family as exposition text. */
  render(): string {
    return this.#families.map((f) => f.render()).join("");
  }
}

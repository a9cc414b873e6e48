/**
 * A hand-written SVG line chart of median cycle time against the number of agents, log scale on
 * both axes, one line per strategy, with the budgets marked. No dependencies.
 *
 * @module
 */

import type { BenchRow } from "./run.ts";
import { STRATEGY_NAMES, type StrategyName } from "./strategies.ts";

/** Line colours per strategy (colour-blind-safe palette). */
const COLOURS: Record<StrategyName, string> = {
  sequential: "#d55e00",
  pooled: "#e69f00",
  "control-all": "#0072b2",
  default: "#009e73",
};

/** The budgets drawn on the chart: N and the most `default` may take (ms). */
const BUDGET_MARKS: readonly [number, number][] = [[100, 30], [1000, 400]];

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

function fmtTick(value: number): string {
  if (value >= 1000) return `${value / 1000} s`;
  return `${value} ms`;
}

/** Options for {@linkcode renderBenchSvg}. */
export interface SvgOptions {
  /** Title line. */
  title?: string;
  /** Second line under the title (e.g. host and date). */
  subtitle?: string;
}

/** Renders the chart as an SVG document. */
export function renderBenchSvg(rows: readonly BenchRow[], options: SvgOptions = {}): string {
  const width = 760;
  const height = 460;
  const m = { left: 78, right: 170, top: 62, bottom: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const ns = [...new Set(rows.map((r) => r.agents))].sort((a, b) => a - b);
  const values = [...rows.map((r) => r.medianMs), ...BUDGET_MARKS.map(([, ms]) => ms)]
    .filter((v) => v > 0 && Number.isFinite(v));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...ns, 10)));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...ns, 100)));
  const x = (n: number) =>
    m.left + (Math.log10(n) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) * plotW;
  const y = (ms: number) =>
    m.top + plotH -
    (Math.log10(ms) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="24" font-size="16" font-weight="bold">${
      escapeXml(options.title ?? "Monitor cycle time (median) against agents")
    }</text>`,
  );
  if (options.subtitle) {
    out.push(`<text x="${m.left}" y="42" fill="#555">${escapeXml(options.subtitle)}</text>`);
  }
  // Grid and ticks.
  for (let v = yMin; v <= yMax * 1.0001; v *= 10) {
    const yy = y(v).toFixed(1);
    out.push(
      `<line x1="${m.left}" y1="${yy}" x2="${m.left + plotW}" y2="${yy}" stroke="#ddd"/>`,
      `<text x="${m.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${
        fmtTick(v)
      }</text>`,
    );
  }
  for (let v = xMin; v <= xMax * 1.0001; v *= 10) {
    const xx = x(v).toFixed(1);
    out.push(
      `<line x1="${xx}" y1="${m.top}" x2="${xx}" y2="${m.top + plotH}" stroke="#ddd"/>`,
      `<text x="${xx}" y="${m.top + plotH + 18}" text-anchor="middle">${v}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${m.left + plotW / 2}" y="${
      height - 14
    }" text-anchor="middle">agents (log scale)</text>`,
    `<text transform="translate(18 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">` +
      "median cycle time (log scale)</text>",
  );
  // Budgets: a short red bar at each budget.
  for (const [n, ms] of BUDGET_MARKS) {
    if (n < xMin || n > xMax) continue;
    const xx = x(n);
    const yy = y(ms).toFixed(1);
    out.push(
      `<line x1="${(xx - 14).toFixed(1)}" y1="${yy}" x2="${(xx + 14).toFixed(1)}" y2="${yy}" ` +
        `stroke="#cc0000" stroke-width="2" stroke-dasharray="4 2"/>`,
      `<text x="${(xx + 17).toFixed(1)}" y="${yy}" fill="#cc0000" dominant-baseline="middle" ` +
        `font-size="11">budget ${ms} ms</text>`,
    );
  }
  // Lines.
  let legendY = m.top + 8;
  for (const strategy of STRATEGY_NAMES) {
    const points = rows.filter((r) => r.strategy === strategy && r.medianMs > 0)
      .sort((a, b) => a.agents - b.agents);
    if (points.length === 0) continue;
    const colour = COLOURS[strategy];
    const path = points.map((p) => `${x(p.agents).toFixed(1)},${y(p.medianMs).toFixed(1)}`);
    out.push(
      `<polyline points="${path.join(" ")}" fill="none" stroke="${colour}" stroke-width="2.5"/>`,
    );
    for (const p of points) {
      out.push(
        `<circle cx="${x(p.agents).toFixed(1)}" cy="${y(p.medianMs).toFixed(1)}" r="4" ` +
          `fill="${colour}"><title>${
            escapeXml(`${strategy}, N=${p.agents}: ${p.medianMs.toFixed(1)} ms median`)
          }</title></circle>`,
      );
    }
    const lx = m.left + plotW + 16;
    out.push(
      `<line x1="${lx}" y1="${legendY}" x2="${lx + 22}" y2="${legendY}" stroke="${colour}" ` +
        `stroke-width="2.5"/>`,
      `<circle cx="${lx + 11}" cy="${legendY}" r="4" fill="${colour}"/>`,
      `<text x="${lx + 30}" y="${legendY}" dominant-baseline="middle">${
        escapeXml(strategy)
      }</text>`,
    );
    legendY += 22;
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * The one table `npm run bench` prints (Markdown, so it can go straight into
 * the README): measurement, Briefing, baseline, ratio, target, pass?.
 */
import type { Summary } from './lib/stats.js';

export type Unit = 's' | 'ms' | 'msg/s' | 'MB';
export type Cell = { summary: Summary; unit: Unit; label?: string } | { value: number; unit: Unit; label?: string } | { text: string };

export interface Row {
  measurement: string;
  briefing: Cell;
  baseline: Cell;
  /** Briefing ÷ baseline (times), or Briefing's rate ÷ the baseline's rate (throughput). */
  ratio?: number | undefined;
  target: string;
  /** undefined: no target, or nothing to judge. */
  pass?: boolean | undefined;
}

const number = (x: number, unit: Unit) => {
  const digits = unit === 's' ? (x < 10 ? 2 : 1) : unit === 'ms' || unit === 'MB' ? 1 : 0;
  return x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

export function formatCell(cell: Cell): string {
  if ('text' in cell) return cell.text;
  const label = cell.label ? `${cell.label}: ` : '';
  if ('value' in cell) return `${label}${number(cell.value, cell.unit)} ${cell.unit}`;
  const s = cell.summary;
  const range = s.runs.length > 1 ? ` (${number(s.min, cell.unit)}–${number(s.max, cell.unit)})` : '';
  return `${label}${number(s.median, cell.unit)} ${cell.unit}${range}`;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['measurement', 'Briefing', 'baseline', 'ratio', 'target', 'pass?'];
  const body = rows.map((r) => [
    r.measurement,
    formatCell(r.briefing),
    formatCell(r.baseline),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.pass === undefined ? (r.target ? 'n/a' : '') : r.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

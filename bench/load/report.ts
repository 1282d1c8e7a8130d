/** Markdown for the results: tables, numbers, check marks. */
import type { LegResult } from './legs.js';

export interface Section {
  readonly title: string;
  readonly lines: readonly string[];
  /** For the SVG chart: CPU seconds per million spans by hop and shape (saturation only). */
  readonly chart?: readonly ChartRow[];
  /** How the chart's load was made, for its subtitle. */
  readonly chartLoad?: string;
}

export interface ChartRow {
  readonly hop: string;
  readonly testbed?: number;
  readonly realistic?: number;
}

export function num(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(value: number, base: number): string {
  return Number.isFinite(value) && Number.isFinite(base) && base > 0 ? `${num(value / base, 2)}×` : '–';
}

export function table(header: readonly string[], rows: readonly (readonly string[])[], align = ''): string[] {
  const a = header.map((_, i) => (align[i] === 'l' ? ':--' : '--:'));
  return [`| ${header.join(' | ')} |`, `|${a.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** ✓, or ✗ with what went wrong. */
export function deliveredMark(leg: LegResult): string {
  if (leg.delivered) return `✓ ${leg.received.toLocaleString('en-US')}`;
  const why = leg.sent !== leg.received ? `sent ${leg.sent.toLocaleString('en-US')} ≠ received ${leg.received.toLocaleString('en-US')}` : '';
  const failed = leg.failed > 0 ? `${leg.failed} failed` : '';
  return `✗ FAIL ${[why, failed].filter((s) => s !== '').join(', ')}${leg.firstError === undefined ? '' : ` (${leg.firstError.slice(0, 80).replaceAll('|', '/')})`}`;
}

export function p50(leg: LegResult): number {
  return 'p50' in leg.latency ? leg.latency.p50 : Number.NaN;
}

export function p99(leg: LegResult): number {
  return 'p99' in leg.latency ? leg.latency.p99 : Number.NaN;
}

export function met(ok: boolean): string {
  return ok ? '✓ met' : '✗ not met';
}

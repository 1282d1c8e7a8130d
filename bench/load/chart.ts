/**
 * The SVG bar chart of the saturation results, written by hand: one group per hop, a bar per
 * span shape, CPU seconds of the hop per million spans (lower is better), value at the bar's end.
 */
import type { ChartRow } from './report.js';

const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function renderChart(rows: readonly ChartRow[], title: string, subtitle: string): string {
  const shapes = [
    { key: 'testbed', label: 'testbed spans (~150 B)', color: '#4e79a7' },
    { key: 'realistic', label: 'realistic spans (~780 B)', color: '#f28e2b' },
  ] as const;
  const labelWidth = 170;
  const plotWidth = 520;
  const barHeight = 16;
  const groupGap = 14;
  const top = 70;
  const max = Math.max(0.001, ...rows.flatMap((r) => [r.testbed ?? 0, r.realistic ?? 0]));
  const scale = plotWidth / (max * 1.15);
  const height = top + rows.length * (2 * barHeight + groupGap) + 40;
  const width = labelWidth + plotWidth + 80;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="38" fill="#555">${escape(subtitle)}</text>`,
  ];
  shapes.forEach((s, i) => {
    const x = labelWidth + i * 200;
    out.push(`<rect x="${x}" y="48" width="12" height="12" fill="${s.color}"/>`, `<text x="${x + 16}" y="58">${escape(s.label)}</text>`);
  });
  rows.forEach((row, i) => {
    const y = top + i * (2 * barHeight + groupGap);
    const weight = row.hop === 'otlp-tagger' ? ' font-weight="bold"' : '';
    out.push(`<text x="${labelWidth - 8}" y="${y + barHeight + 4}" text-anchor="end"${weight}>${escape(row.hop)}</text>`);
    shapes.forEach((s, j) => {
      const value = row[s.key];
      const by = y + j * barHeight;
      if (value === undefined || !Number.isFinite(value)) {
        out.push(`<text x="${labelWidth + 4}" y="${by + barHeight - 4}" fill="#999">n/a</text>`);
        return;
      }
      const w = Math.max(1, value * scale);
      out.push(
        `<rect x="${labelWidth}" y="${by}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${s.color}"/>`,
        `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${by + barHeight - 4}">${value.toFixed(2)}</text>`,
      );
    });
  });
  const axisY = top + rows.length * (2 * barHeight + groupGap);
  out.push(
    `<line x1="${labelWidth}" y1="${top - 4}" x2="${labelWidth}" y2="${axisY}" stroke="#333"/>`,
    `<text x="${labelWidth}" y="${axisY + 18}" fill="#555">CPU seconds of the hop process per million spans forwarded (lower is better)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

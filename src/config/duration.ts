/**
 * Collector duration strings (Go's `time.ParseDuration`): `10s`, `500ms`, `1m30s`, `1.5h`, `0`.
 */
const nanosPerUnit: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 MICRO SIGN, as Go accepts
  'μs': 1e3, // U+03BC GREEK SMALL LETTER MU
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const term = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Whole milliseconds, rounded up so that a positive duration never becomes 0 ("no limit").
 * `undefined` when the text is not a non-negative Go duration.
 */
export function parseDurationMillis(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let rest = text;
  let nanos = 0;
  while (rest !== '') {
    const match = term.exec(rest);
    if (match === null) return undefined;
    nanos += Number(match[1]) * nanosPerUnit[match[2]];
    rest = rest.slice(match[0].length);
  }
  // Whole nanoseconds first, so that 1.1s is 1100 ms and not 1101 through 1100.0000000000002.
  return Math.ceil(Math.round(nanos) / 1e6);
}

/** `10000` → `10s`, `1500` → `1500ms`: for describing a config, not for parsing back exactly. */
export function formatMillis(millis: number): string {
  if (millis === 0) return '0 (no limit)';
  if (millis % 1000 === 0) return `${millis / 1000}s`;
  return `${millis}ms`;
}

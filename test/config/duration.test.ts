import t from 'tap';
import { formatMillis, parseDurationMillis } from '../../src/config/duration.js';

t.test('parseDurationMillis: Go durations', async (t) => {
  const rows: [string, number | undefined][] = [
    ['0', 0],
    ['0s', 0],
    ['10s', 10_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['1.1s', 1100],
    ['.5s', 500],
    ['2.s', 2000],
    ['1500us', 2],
    ['1500µs', 2],
    ['1500μs', 2],
    ['1ns', 1],
    ['1000000ns', 1],
    ['1h1m1s1ms', 3_661_001],
    ['', undefined],
    ['10', undefined],
    ['s', undefined],
    ['-1s', undefined],
    ['1d', undefined],
    ['10 s', undefined],
    ['1s ', undefined],
    ['1e3ms', undefined],
  ];
  for (const [text, want] of rows) t.equal(parseDurationMillis(text), want, JSON.stringify(text));
});

t.test('formatMillis', async (t) => {
  t.equal(formatMillis(0), '0 (no limit)');
  t.equal(formatMillis(10_000), '10s');
  t.equal(formatMillis(1500), '1500ms');
});

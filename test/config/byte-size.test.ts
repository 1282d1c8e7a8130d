import t from 'tap';
import { formatBytes, parseByteSize } from '../../src/config/byte-size.js';

t.test('parseByteSize', async (t) => {
  const rows: [string, number][] = [
    ['0', 0],
    ['4194304', 4194304],
    ['512B', 512],
    ['4MiB', 4 * 1024 * 1024],
    ['4 MiB', 4 * 1024 * 1024],
    ['4mib', 4 * 1024 * 1024],
    ['256Mi', 256 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['2KiB', 2048],
    ['2Ki', 2048],
    ['20MB', 20_000_000],
    ['1kB', 1000],
    ['1GB', 1e9],
    ['1.5KiB', 1536],
    ['.5KiB', 512],
    ['1.0001KiB', 1024],
    [' 8MiB ', 8 * 1024 * 1024],
  ];
  for (const [text, bytes] of rows) t.equal(parseByteSize(text), bytes, text);
  for (const bad of ['', 'MiB', '4 megabytes', '4M', '4k', '-1', '1e3', '4  MiB', '4,5MiB', '9999999999GiB']) {
    t.equal(parseByteSize(bad), undefined, bad);
  }
});

t.test('formatBytes', async (t) => {
  const rows: [number, string][] = [
    [0, '0 B'],
    [1000, '1000 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1537, '1537 B'],
    [4 * 1024 * 1024, '4 MiB'],
    [256 * 1024 * 1024, '256 MiB'],
    [1024 ** 3, '1 GiB'],
    [20_000_000, '20000000 B'],
  ];
  for (const [bytes, text] of rows) t.equal(formatBytes(bytes), text, String(bytes));
});

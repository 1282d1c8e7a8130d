import t from 'tap';
import { checkMinBytes, readByteSize, readDuration, readNumber } from '../../src/config/read-value.js';

/** Runs a reader; returns its value and the problems it reported. */
function read<T>(reader: (value: unknown, path: string, errors: string[]) => T, value: unknown): [T, string[]] {
  const errors: string[] = [];
  return [reader(value, 'a.b', errors), errors];
}

t.test('readDuration', async (t) => {
  t.same(read(readDuration, '1m30s'), [90_000, []]);
  t.same(read(readDuration, 0), [0, []]);
  t.same(read(readDuration, 0n), [0, []]);
  t.same(read(readDuration, null), [undefined, []]);
  t.same(read(readDuration, 5n), [undefined, ['a.b: expected a duration like 10s or 500ms, got 5']]);
  t.same(read(readDuration, '5'), [undefined, ['a.b: expected a duration like 10s or 500ms, got "5"']]);
});

t.test('readByteSize', async (t) => {
  t.same(read(readByteSize, 2048n), [2048, []], 'YAML integers are bigints');
  t.same(read(readByteSize, 2048), [2048, []]);
  t.same(read(readByteSize, '2KiB'), [2048, []]);
  t.same(read(readByteSize, undefined), [undefined, []]);
  t.same(read(readByteSize, 0n), [undefined, ['a.b: must be at least 1 byte, got 0']]);
  t.same(read(readByteSize, -5n), [undefined, ['a.b: must be at least 1 byte, got -5']]);
  t.same(read(readByteSize, 1.5), [undefined, ['a.b: expected a size in bytes, e.g. 4194304 or 4MiB, got 1.5']]);
  t.same(read(readByteSize, 2n ** 60n), [undefined, ['a.b: expected a size in bytes, e.g. 4194304 or 4MiB, got 1152921504606846976']]);
  t.same(read(readByteSize, true), [undefined, ['a.b: expected a size in bytes, e.g. 4194304 or 4MiB, got true']]);
  const errors: string[] = [];
  t.equal(readByteSize(1000n, 'x', errors, 1024), undefined);
  t.same(errors, ['x: must be at least 1 KiB (1024 bytes), got 1000']);
  t.equal(checkMinBytes(1024, 1024), undefined);
});

t.test('readNumber', async (t) => {
  t.same(read(readNumber, 1.5), [1.5, []]);
  t.same(read(readNumber, 2n), [2, []]);
  t.same(read(readNumber, '0.25'), [0.25, []], 'from the environment');
  t.same(read(readNumber, ' -1e2 '), [-100, []]);
  t.same(read(readNumber, null), [undefined, []]);
  for (const bad of ['x', '1.2.3', '', Infinity, NaN, [], {}]) {
    const [value, errors] = read(readNumber, bad);
    t.equal(value, undefined);
    t.match(errors, [/^a\.b: expected a number, got /], String(bad));
  }
});

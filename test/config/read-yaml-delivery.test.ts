import t from 'tap';
import { parseFsync, readRetryOnFailure, readSendingQueue } from '../../src/config/read-yaml-delivery.js';
import { configProblems } from '../helpers/config-builders.js';

t.test('parseFsync', async (t) => {
  t.equal(parseFsync('always'), 'always');
  t.equal(parseFsync('100ms'), 100);
  t.equal(parseFsync('1.5s'), 1500);
  t.throws(() => parseFsync('0'), { message: 'must be more than 0 ("always" syncs every write)' });
  t.throws(() => parseFsync('0s'), { message: /more than 0/ });
  t.throws(() => parseFsync('never'), { message: 'expected "always" or a duration like 100ms, got "never"' });
  t.throws(() => parseFsync('100'), { message: /got "100"/ });
});

t.test('sending_queue', async (t) => {
  const errors: string[] = [];
  t.same(readSendingQueue(null, 'q', errors), { where: 'q', enabled: undefined, storage: undefined, queueSizeBytes: undefined, fsync: undefined });
  t.same(readSendingQueue({ enabled: 'false', storage: '/d', queue_size_bytes: '1GiB', fsync: 'always' }, 'q', errors), {
    where: 'q',
    enabled: false,
    storage: '/d',
    queueSizeBytes: 1024 ** 3,
    fsync: 'always',
  });
  t.same(errors, []);
  t.equal(readSendingQueue([], 'q', errors), undefined);
  t.same(errors, ['q: expected a map, got a list']);
});

t.test('retry_on_failure', async (t) => {
  const errors: string[] = [];
  t.same(
    readRetryOnFailure(
      { enabled: true, initial_interval: '1s', max_interval: '2s', max_elapsed_time: '0', multiplier: 1.5, randomization_factor: 0n },
      'r',
      errors,
    ),
    { where: 'r', enabled: true, initialIntervalMillis: 1000, maxIntervalMillis: 2000, maxElapsedMillis: 0, multiplier: 1.5, randomizationFactor: 0 },
  );
  t.same(errors, []);
  t.equal(readRetryOnFailure('on', 'r', errors), undefined);
  t.same(errors, ['r: expected a map, got "on"']);
});

t.test('errors name the path and the value', async (t) => {
  const rows: [string, string[]][] = [
    ['sending_queue: { enabled: yes, num_consumers: 10, storage: file_storage/x, queue_size: 1000 }', [
      'exporters.otlp.sending_queue.num_consumers: unknown key; known: enabled, storage, queue_size_bytes, fsync',
      'exporters.otlp.sending_queue.queue_size: unknown key; known: enabled, storage, queue_size_bytes, fsync',
      'exporters.otlp.sending_queue.enabled: expected true or false, got "yes"',
    ]],
    ['sending_queue: { storage: "", queue_size_bytes: 100, fsync: 5 }', [
      'exporters.otlp.sending_queue.fsync: expected "always" or a duration like 100ms, got 5',
      'exporters.otlp.sending_queue.storage: must not be empty (leave it out for an in-memory queue)',
      'exporters.otlp.sending_queue.queue_size_bytes: must be at least 1 KiB (1024 bytes), got 100',
    ]],
    ['sending_queue: { storage: 3, fsync: 0s }', [
      'exporters.otlp.sending_queue.fsync: must be more than 0 ("always" syncs every write)',
      'exporters.otlp.sending_queue.storage: expected a string, got 3',
    ]],
    ['sending_queue: 3', ['exporters.otlp.sending_queue: expected a map, got 3']],
    ['retry_on_failure: { enabled: 1, initial_interval: 5, max_interval: x, max_elapsed_time: -1s, multiplier: two, randomization_factor: [], jitter: 1 }', [
      'exporters.otlp.retry_on_failure.jitter: unknown key; known: enabled, initial_interval, max_interval, max_elapsed_time, multiplier, randomization_factor',
      'exporters.otlp.retry_on_failure.enabled: expected true or false, got 1',
      'exporters.otlp.retry_on_failure.initial_interval: expected a duration like 10s or 500ms, got 5',
      'exporters.otlp.retry_on_failure.max_interval: expected a duration like 10s or 500ms, got "x"',
      'exporters.otlp.retry_on_failure.max_elapsed_time: expected a duration like 10s or 500ms, got "-1s"',
      'exporters.otlp.retry_on_failure.multiplier: expected a number, got "two"',
      'exporters.otlp.retry_on_failure.randomization_factor: expected a number, got a list',
    ]],
  ];
  for (const [keys, want] of rows) {
    t.same(configProblems(`exporters: { otlp: { endpoint: "http://up:4317", ${keys} } }`), want, keys);
  }
  t.same(configProblems('exporters: { debug: { sending_queue: {} } }'), ['exporters.debug.sending_queue: unknown key; known: verbosity']);
});

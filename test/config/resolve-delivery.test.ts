import t from 'tap';
import { MiB } from '../../src/config/config.js';
import { queueRetryPolicy, syncRetryPolicy } from '../../src/exporter/retry-policy.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

const up = (keys = '', type = 'otlp') => `exporters: { ${type}: { endpoint: "http://up:4317", ${keys} } }`;

t.test('sync by default, with the sync retry policy', async (t) => {
  const delivery = configFrom(up()).delivery;
  t.strictSame(delivery, {
    mode: 'sync',
    queueMaxBytes: 256 * MiB,
    fsync: 'always',
    maxInflightBytes: 128 * MiB,
    upstreamMaxRequestBytes: 4 * MiB,
    shutdownTimeoutMillis: 25_000,
    retry: { ...syncRetryPolicy },
  });
});

t.test('mode: --delivery > sending_queue (on unless enabled: false) > sync', async (t) => {
  t.equal(configFrom(up('sending_queue:')).delivery.mode, 'queue', 'an empty sending_queue is on, as in the Collector');
  t.equal(configFrom(up('sending_queue: { enabled: true }')).delivery.mode, 'queue');
  t.equal(configFrom(up('sending_queue: { enabled: false, storage: /q }')).delivery.mode, 'sync');
  t.notOk('queueDir' in configFrom(up('sending_queue: { enabled: false, storage: /q }')).delivery, 'no directory in sync mode');
  t.equal(configFrom(up('sending_queue: {}'), { argv: ['--delivery', 'sync'] }).delivery.mode, 'sync');
  t.equal(configFrom(up(), { argv: ['--delivery', 'queue'] }).delivery.mode, 'queue');
  t.equal(configFrom(undefined, { argv: ['--delivery', 'queue'] }).delivery.mode, 'queue', 'the debug exporter can be queued too');
  t.same(configFrom(up(), { argv: ['--delivery', 'queue'] }).delivery.retry, queueRetryPolicy, 'the Collector\'s retry defaults');
});

t.test('queue settings: flags > YAML > defaults', async (t) => {
  const yaml = up('sending_queue: { storage: /y, queue_size_bytes: 1MiB, fsync: 1s }');
  t.match(configFrom(yaml).delivery, { mode: 'queue', queueDir: '/y', queueMaxBytes: MiB, fsync: 1000 });
  t.match(configFrom(yaml, { argv: ['--queue-dir', '/f', '--queue-max-bytes', '2MiB', '--fsync', 'always'] }).delivery, {
    mode: 'queue',
    queueDir: '/f',
    queueMaxBytes: 2 * MiB,
    fsync: 'always',
  });
  t.match(configFrom(undefined, { argv: ['--delivery', 'queue', '--queue-dir', '/f', '--fsync', '100ms'] }).delivery, { queueDir: '/f', fsync: 100 });
  t.match(configFrom(undefined, { argv: ['--delivery', 'queue', '--queue-max-bytes', '1MiB'] }).delivery, { queueMaxBytes: MiB, fsync: 'always' });
});

t.test('queue settings need queue delivery; fsync needs a directory', async (t) => {
  t.same(configProblems(undefined, { argv: ['--queue-dir', '/q', '--fsync', '1s'] }), [
    '--queue-dir, --fsync: only apply to queue delivery (--delivery queue, or sending_queue in --config)',
  ]);
  t.same(configProblems(up('sending_queue: {}'), { argv: ['--delivery', 'sync', '--queue-max-bytes', '1MiB'] }), [
    '--queue-max-bytes: only applies to queue delivery (--delivery queue, or sending_queue in --config)',
  ]);
  t.same(configProblems(undefined, { argv: ['--delivery', 'queue', '--fsync', '1s'] }), [
    '--fsync: only applies to a persistent queue (--queue-dir, or sending_queue.storage in --config)',
  ]);
  t.same(configProblems(up('sending_queue: { fsync: always }')), [
    'exporters.otlp.sending_queue.fsync: only applies to a persistent queue (--queue-dir, or sending_queue.storage in --config)',
  ]);
  t.equal(configFrom(up('sending_queue: { enabled: false, fsync: 1s, queue_size_bytes: 1MiB }')).delivery.mode, 'sync', 'YAML left switched off is not a mistake');
});

t.test('retry_on_failure: key by key over the mode\'s defaults', async (t) => {
  t.same(configFrom(up('retry_on_failure: { max_elapsed_time: 0, multiplier: 2 }')).delivery.retry, {
    ...syncRetryPolicy,
    maxElapsedMillis: 0,
    multiplier: 2,
  });
  t.same(configFrom(up('sending_queue: {}, retry_on_failure: { enabled: false }')).delivery.retry, {
    ...queueRetryPolicy,
    enabled: false,
  });
  t.same(configFrom(up('retry_on_failure: { initial_interval: 1s, max_interval: 1s, randomization_factor: 0 }')).delivery.retry, {
    ...syncRetryPolicy,
    initialIntervalMillis: 1000,
    maxIntervalMillis: 1000,
    randomizationFactor: 0,
  });
  const rows: [string, string[]][] = [
    ['retry_on_failure: { initial_interval: 0 }', ['exporters.otlp.retry_on_failure.initial_interval: must be more than 0']],
    ['retry_on_failure: { initial_interval: 10s }', [
      'exporters.otlp.retry_on_failure.initial_interval: 10s is more than max_interval (2s by default in sync mode); set max_interval too',
    ]],
    ['retry_on_failure: { initial_interval: 3s, max_interval: 1s }', [
      'exporters.otlp.retry_on_failure.max_interval: 1s is less than initial_interval 3s',
    ]],
    ['retry_on_failure: { multiplier: 0.5, randomization_factor: 1.5 }', [
      'exporters.otlp.retry_on_failure.multiplier: must be at least 1, got 0.5',
      'exporters.otlp.retry_on_failure.randomization_factor: must be between 0 and 1, got 1.5',
    ]],
    ['retry_on_failure: { randomization_factor: -0.1 }', ['exporters.otlp.retry_on_failure.randomization_factor: must be between 0 and 1, got -0.1']],
  ];
  for (const [keys, want] of rows) t.same(configProblems(up(keys)), want, keys);
  t.same(configProblems(up('sending_queue: {}, retry_on_failure: { initial_interval: 40s }')), [
    'exporters.otlp.retry_on_failure.initial_interval: 40s is more than max_interval (30s by default in queue mode); set max_interval too',
  ]);
});

t.test('upstream max request bytes: flag > YAML > the protocol\'s default', async (t) => {
  t.equal(configFrom(up()).delivery.upstreamMaxRequestBytes, 4 * MiB, 'grpc');
  t.equal(configFrom(up('', 'otlphttp')).delivery.upstreamMaxRequestBytes, 20 * MiB, 'http/protobuf');
  t.equal(configFrom(up('encoding: json', 'otlphttp')).delivery.upstreamMaxRequestBytes, 20 * MiB, 'http/json');
  t.equal(configFrom(undefined, { argv: ['--upstream', 'http://t:4318', '--upstream-protocol', 'http/json'] }).delivery.upstreamMaxRequestBytes, 20 * MiB);
  t.equal(configFrom(up('max_request_bytes: 1048576')).delivery.upstreamMaxRequestBytes, MiB);
  t.equal(configFrom(up('max_request_bytes: 1MiB'), { argv: ['--upstream-max-request-bytes', '3MiB'] }).delivery.upstreamMaxRequestBytes, 3 * MiB);
  t.same(configProblems(undefined, { argv: ['--upstream-max-request-bytes', '3MiB'] }), [
    '--upstream-max-request-bytes: no upstream is configured (--upstream, exporters.otlp or exporters.otlphttp in --config, or OTEL_EXPORTER_OTLP_ENDPOINT)',
  ]);
});

t.test('in-flight bytes and shutdown timeout: flags > service.* > defaults', async (t) => {
  const yaml = 'service: { shutdown_timeout: 10s, max_inflight_bytes: 64MiB }';
  t.match(configFrom(yaml).delivery, { shutdownTimeoutMillis: 10_000, maxInflightBytes: 64 * MiB });
  t.match(configFrom(yaml, { argv: ['--shutdown-timeout', '5s', '--max-inflight-bytes', '1GiB'] }).delivery, {
    shutdownTimeoutMillis: 5000,
    maxInflightBytes: 1024 * MiB,
  });
  t.same(configProblems('service: { shutdown_timeout: 0, max_inflight_bytes: 10 }'), [
    'service.shutdown_timeout: must be more than 0',
    'service.max_inflight_bytes: must be at least 1 KiB (1024 bytes), got 10',
  ]);
  t.same(configProblems('service: { shutdown_timeout: soon }'), ['service.shutdown_timeout: expected a duration like 10s or 500ms, got "soon"']);
});

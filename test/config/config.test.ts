import t from 'tap';
import { createDefaultConfig, deepFreeze, defaults, MiB } from '../../src/config/config.js';
import { queueRetryPolicy, syncRetryPolicy } from '../../src/exporter/retry-policy.js';

t.test('createDefaultConfig', async (t) => {
  const config = createDefaultConfig();
  t.strictSame(config, {
    receivers: {
      grpc: { endpoint: '0.0.0.0:4317', maxRecvMsgSizeBytes: 4 * MiB, tls: null },
      http: { endpoint: '0.0.0.0:4318', maxRequestBodyBytes: 20 * MiB, tls: null },
      forwardHeaders: ['x-scope-orgid'],
    },
    processor: { rules: { tags: [], defaultPolicy: 'skip', policies: {}, prefix: 'agent.' } },
    exporter: { type: 'debug', verbosity: 'basic' },
    pipelines: { traces: true, logs: true, metrics: true },
    log: { level: 'info' },
    delivery: {
      mode: 'sync',
      queueMaxBytes: 256 * MiB,
      fsync: 'always',
      maxInflightBytes: 128 * MiB,
      upstreamMaxRequestBytes: 4 * MiB,
      shutdownTimeoutMillis: 25_000,
      retry: { ...syncRetryPolicy },
    },
    admin: { endpoint: '0.0.0.0:13133' },
    limits: { maxTags: 64, maxTagBytes: 4096, headerTimeoutMillis: 10_000, requestTimeoutMillis: 30_000, maxConnections: 4096 },
    batch: null,
  });
  t.ok(Object.isFrozen(config.receivers.grpc) && Object.isFrozen(config.processor.rules.tags) && Object.isFrozen(config.delivery.retry));
  t.not(createDefaultConfig(), config, 'a fresh object each time');
  t.ok(Object.isFrozen(defaults) && Object.isFrozen(defaults.forwardHeaders));
});

t.test('the retry defaults are the exporter\'s own (src/exporter/retry-policy.ts)', async (t) => {
  t.equal(defaults.retry.sync, syncRetryPolicy);
  t.equal(defaults.retry.queue, queueRetryPolicy);
  t.match(queueRetryPolicy, { initialIntervalMillis: 5000, maxIntervalMillis: 30_000, maxElapsedMillis: 300_000, multiplier: 1.5 }, 'the Collector\'s');
});

t.test('deepFreeze', async (t) => {
  const value = { a: [{ b: 1 }], c: null, d: 1n };
  t.equal(deepFreeze(value), value);
  t.ok(Object.isFrozen(value.a[0]));
  t.equal(deepFreeze(3), 3);
  const shared = Object.freeze({ inner: { x: 1 } });
  deepFreeze({ shared });
  t.notOk(Object.isFrozen(shared.inner), 'an already frozen object is not walked again');
});

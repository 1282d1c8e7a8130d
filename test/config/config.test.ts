import t from 'tap';
import { createDefaultConfig, deepFreeze, defaults } from '../../src/config/config.js';

t.test('createDefaultConfig', async (t) => {
  const config = createDefaultConfig();
  t.same(config, {
    receivers: {
      grpc: { endpoint: '0.0.0.0:4317', maxRecvMsgSizeBytes: 4 * 1024 * 1024 },
      http: { endpoint: '0.0.0.0:4318', maxRequestBodyBytes: 20 * 1024 * 1024 },
    },
    processor: { rules: { tags: [], defaultPolicy: 'skip', policies: {}, prefix: 'agent.' } },
    exporter: { type: 'debug', verbosity: 'basic' },
    pipelines: { traces: true, logs: true, metrics: true },
    log: { level: 'info' },
  });
  t.ok(Object.isFrozen(config.receivers.grpc) && Object.isFrozen(config.processor.rules.tags));
  t.not(createDefaultConfig(), config, 'a fresh object each time');
  t.ok(Object.isFrozen(defaults));
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

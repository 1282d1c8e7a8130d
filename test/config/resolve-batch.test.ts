// Batching settings: processors.batch (read-yaml-batch.ts), --batch-* flags, resolve-batch.ts,
// and how they show in --help and in the startup lines.
import t from 'tap';
import { usage } from '../../src/config/cli-args.js';
import { KiB, MiB } from '../../src/config/config.js';
import { describeConfig } from '../../src/config/describe-config.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

const pipelines = (processors: string) => `
    receivers: { otlp: { protocols: { grpc: } } }
    processors: { agent_tags: { tags: a=1 }, batch: { timeout: 50ms } }
    exporters: { debug: }
    service:
      pipelines:
        traces: { receivers: [otlp], processors: ${processors}, exporters: [debug] }
        logs: { receivers: [otlp], processors: ${processors}, exporters: [debug] }
    `;

t.test('off by default', async (t) => {
  t.equal(configFrom(undefined).batch, null);
  t.equal(configFrom('processors: { agent_tags: { tags: a=1 } }').batch, null);
});

t.test('processors.batch: on with the Collector\'s timeout, bounded by the upstream\'s limit', async (t) => {
  t.same(configFrom('processors: { batch: }').batch, { timeoutMillis: 200, maxBytes: 4 * MiB, maxItems: 0 });
  t.same(configFrom('processors: { batch: }', { argv: ['--upstream', 'http://up:4318', '--upstream-protocol', 'http/protobuf'] }).batch?.maxBytes, 20 * MiB);
  t.same(configFrom('processors: { batch: }', { argv: ['--upstream', 'http://up:4317', '--upstream-max-request-bytes', '1MiB'] }).batch?.maxBytes, MiB);
  t.same(configFrom('processors: { batch/tempo: { timeout: 1s, send_batch_size: 8192, send_batch_max_bytes: 512KiB } }').batch, {
    timeoutMillis: 1000,
    maxBytes: 512 * KiB,
    maxItems: 8192,
  });
  t.equal(configFrom('processors: { batch: { send_batch_size: 0 } }').batch?.maxItems, 0, '0 = no item bound, as in the Collector');
  t.equal(configFrom('processors: { batch: { timeout: 0 } }').batch, null, 'timeout 0: sent at once, i.e. no batching');
});

t.test('pipelines list batch next to agent_tags, in either order', async (t) => {
  for (const list of ['[agent_tags, batch]', '[batch, agent_tags]']) {
    const config = configFrom(pipelines(list));
    t.equal(config.batch?.timeoutMillis, 50, list);
    t.equal(config.processor.rules.tags.length, 1, list);
  }
  const tagsOnly = configFrom(pipelines('[agent_tags]'));
  t.equal(tagsOnly.batch, null, 'defined but not in the pipelines: off');
  t.equal(tagsOnly.processor.rules.tags.length, 1);
  const batchOnly = configFrom(pipelines('[batch]'));
  t.same(batchOnly.processor.rules.tags, [], 'batch alone: no tags');
  t.equal(batchOnly.batch?.timeoutMillis, 50);
  t.same(configProblems(pipelines('[batch, batch/2]')), [
    'service.pipelines.traces.processors: expected at most one processor of each type (agent_tags, batch), got batch, batch/2',
    'service.pipelines.logs.processors: expected at most one processor of each type (agent_tags, batch), got batch, batch/2',
  ]);
  t.same(
    configProblems(`
    processors: { batch: {}, batch/2: {} }
    `),
    ['processors: batch, batch/2 are defined; choose one with service.pipelines'],
  );
});

t.test('flags: on with either, over the YAML; a timeout of 0 turns batching off', async (t) => {
  t.same(configFrom(undefined, { argv: ['--batch-timeout', '50ms'] }).batch, { timeoutMillis: 50, maxBytes: 4 * MiB, maxItems: 0 });
  t.same(configFrom(undefined, { argv: ['--batch-max-bytes=256KiB'] }).batch, { timeoutMillis: 200, maxBytes: 256 * KiB, maxItems: 0 });
  t.same(configFrom('processors: { batch: { timeout: 1s, send_batch_size: 100, send_batch_max_bytes: 1MiB } }', { argv: ['--batch-timeout', '10ms', '--batch-max-bytes', '64KiB'] }).batch, {
    timeoutMillis: 10,
    maxBytes: 64 * KiB,
    maxItems: 100,
  });
  t.equal(configFrom('processors: { batch: }', { argv: ['--batch-timeout', '0'] }).batch, null);
});

t.test('problems name the key or flag and the value', async (t) => {
  const rows: [string | undefined, string[], string[]][] = [
    ['processors: { batch: 3 }', [], ['processors.batch: expected a map, got 3']],
    [
      'processors: { batch: { timeout: soon, send_batch_size: -1, send_batch_max_bytes: 10, metadata_keys: [a] } }',
      [],
      [
        'processors.batch.metadata_keys: unknown key; known: timeout, send_batch_size, send_batch_max_bytes',
        'processors.batch.timeout: expected a duration like 10s or 500ms, got "soon"',
        'processors.batch.send_batch_max_bytes: must be at least 1 KiB (1024 bytes), got 10',
        'processors.batch.send_batch_size: expected a positive integer, got -1',
      ],
    ],
    [
      'processors: { batch: { send_batch_max_size: 1000 } }',
      [],
      [
        'processors.batch.send_batch_max_size: not supported: otlp-tagger never splits a request to fit a batch; ' +
          'send_batch_size bounds the items of a batch and send_batch_max_bytes its bytes',
      ],
    ],
    [
      'processors: { batch: { send_batch_max_bytes: 8MiB } }',
      [],
      ['processors.batch.send_batch_max_bytes: 8 MiB is more than the upstream\'s limit of 4 MiB (--upstream-max-request-bytes, max_request_bytes): larger batches would be split again'],
    ],
    [
      undefined,
      ['--batch-max-bytes', '5MiB'],
      ['--batch-max-bytes: 5 MiB is more than the upstream\'s limit of 4 MiB (--upstream-max-request-bytes, max_request_bytes): larger batches would be split again'],
    ],
    [undefined, ['--batch-max-bytes', '1MiB', '--batch-timeout', '0'], ['--batch-max-bytes: batching is off (batch timeout 0)']],
    [undefined, ['--batch-timeout', 'later'], ['--batch-timeout: expected a duration like 10s or 500ms, got "later"']],
    [undefined, ['--batch-max-bytes', '12'], ['--batch-max-bytes: must be at least 1 KiB (1024 bytes), got 12']],
  ];
  for (const [yaml, argv, want] of rows) {
    t.same(configProblems(yaml, { argv }), want, `${yaml ?? ''} ${argv.join(' ')}`);
  }
});

t.test('shown in --help and at startup', async (t) => {
  const text = usage();
  t.match(text, /\nBatching:\n {2}--batch-timeout DURATION\n/);
  t.match(text, /0 = off \(default off; 200ms when only --batch-max-bytes is given\)/);
  t.match(text, /processors\.batch: \{timeout: 200ms, send_batch_size: 0 \(items; 0 = bytes only\), send_batch_max_bytes\*\}/);
  const delivery = (argv: string[], yaml?: string) => describeConfig(configFrom(yaml, { argv }), {})[3];
  t.notMatch(delivery([]), /batching/);
  t.match(delivery(['--batch-timeout', '50ms', '--batch-max-bytes', '256KiB']), /; batching per signal and forwarded headers, up to 256 KiB or 50ms$/);
  t.match(delivery([], 'processors: { batch: { send_batch_size: 1000 } }'), /; batching per signal and forwarded headers, up to 4 MiB or 1000 items or 200ms$/);
});

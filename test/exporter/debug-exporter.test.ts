import t from 'tap';
import { createDebugExporter, formatAnyValue } from '../../src/exporter/debug-exporter.js';
import { encodeRequest } from '../helpers/reference-codec.js';
import { sampleBody, sampleRequest } from '../helpers/sample-requests.js';

function capture(verbosity: 'basic' | 'detailed') {
  const lines: string[] = [];
  return { lines, exporter: createDebugExporter({ write: (line) => void lines.push(line), verbosity }) };
}

const stats = { applied: 2, overridden: 1, skipped: 0, prefixed: 0, unchanged: 3 };

t.test('basic: one line per request, counts and what the tags did', async (t) => {
  const { lines, exporter } = capture('basic');
  t.same(await exporter.consume(sampleRequest('traces', { body: sampleBody('traces', { resources: 2, items: 7 }), tagStats: stats })), {});
  await exporter.consume(sampleRequest('logs', { body: sampleBody('logs', { resources: 1, items: 1 }) }));
  await exporter.consume(sampleRequest('metrics', { body: sampleBody('metrics', { resources: 3, items: 2 }) }));
  await exporter.consume(sampleRequest('traces', { body: Buffer.alloc(0) }));
  t.same(lines, [
    'traces: 2 resources, 14 spans; tags: 2 applied, 1 overridden, 0 skipped, 0 prefixed, 3 unchanged',
    'logs: 1 resource, 1 log record',
    'metrics: 3 resources, 6 data points',
    'traces: 0 resources, 0 spans',
  ]);
});

t.test('detailed: also the attributes of every resource', async (t) => {
  const { lines, exporter } = capture('detailed');
  const body = encodeRequest('logs', {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'replicas', value: { intValue: '3' } },
            { key: 'canary', value: { boolValue: true } },
            { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }] } } },
          ],
        },
        scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' } }] }],
      },
      { scopeLogs: [{ logRecords: [{}, {}] }] },
    ],
  });
  await exporter.consume(sampleRequest('logs', { body, tagStats: stats }));
  t.same(lines, [
    'logs: 2 resources, 3 log records; tags: 2 applied, 1 overridden, 0 skipped, 0 prefixed, 3 unchanged',
    '  resource 1: service.name="checkout", replicas=3, canary=true, tags=["a", 1.5]',
    '  resource 2: (no attributes)',
  ]);
  lines.length = 0;
  await exporter.consume(sampleRequest('traces', { body: Buffer.alloc(0) }));
  t.same(lines, ['traces: 0 resources, 0 spans'], 'an empty request has no resource lines');
});

t.test('a request that cannot be inspected is still printed, and still succeeds', async (t) => {
  const { lines, exporter } = capture('detailed');
  t.same(await exporter.consume(sampleRequest('traces', { body: Buffer.from([0x0a, 0x05, 0x01]) })), {});
  t.equal(lines.length, 1);
  t.match(lines[0], /^traces: 3 bytes that cannot be inspected: /);
});

t.test('AnyValue formatting', async (t) => {
  const rows: [unknown, string][] = [
    [{ stringValue: 'a "quoted" value' }, '"a \\"quoted\\" value"'],
    [{ intValue: '-9007199254740993' }, '-9007199254740993'],
    [{ doubleValue: 0.25 }, '0.25'],
    [{ boolValue: false }, 'false'],
    [{ bytesValue: 'AAEC' }, 'bytes(AAEC)'],
    [{ arrayValue: {} }, '[]'],
    [{ arrayValue: null }, '[]'],
    [{ kvlistValue: { values: [{ key: 'k', value: { intValue: '1' } }] } }, '{k=1}'],
    [{ kvlistValue: {} }, '{}'],
    [{}, 'null'],
    [null, 'null'],
    [undefined, 'null'],
  ];
  for (const [value, want] of rows) t.equal(formatAnyValue(value), want, JSON.stringify(value));
});

t.test('description and shutdown', async (t) => {
  const { exporter } = capture('basic');
  t.equal(exporter.description, 'debug (verbosity basic)');
  await exporter.shutdown();
});

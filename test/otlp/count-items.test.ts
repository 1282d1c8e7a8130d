import t from 'tap';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import { allSignals } from '../../src/otlp/signal.js';
import { countItems } from '../../src/otlp/count-items.js';
import { encodeRequest } from '../helpers/reference-codec.js';
import { createRandom, lenField, randomRequest, varint } from '../helpers/random-request.js';
import { sampleBody } from '../helpers/sample-requests.js';

t.test('counts what inspectRequest counts, on random requests with unknown fields and oddities', async (t) => {
  const r = createRandom(20240611);
  for (const signal of allSignals) {
    for (let i = 0; i < 300; i++) {
      const generated = randomRequest(r, signal);
      const items = countItems(signal, generated.bytes);
      if (items !== generated.items || items !== inspectRequest(signal, generated.bytes).items) {
        t.fail(`${signal} request ${i}: counted ${items}, expected ${generated.items}`);
        return;
      }
    }
    t.pass(`${signal}: 300 random requests`);
  }
});

t.test('every kind of metric data point counts', async (t) => {
  const point = { timeUnixNano: '1', asInt: '1' };
  const metrics = [
    { name: 'g', gauge: { dataPoints: [point] } },
    { name: 's', sum: { dataPoints: [point, point] } },
    { name: 'h', histogram: { dataPoints: [{ count: '1' }] } },
    { name: 'e', exponentialHistogram: { dataPoints: [{ count: '1' }, { count: '2' }] } },
    { name: 'q', summary: { dataPoints: [{ count: '1' }] } },
  ];
  const body = encodeRequest('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics }] }] });
  t.equal(countItems('metrics', body), 7);
});

t.test('large items and multi-byte tags take the slow paths', async (t) => {
  t.equal(countItems('traces', sampleBody('traces', { resources: 2, items: 150 })), 300);
  const span = lenField(2, Buffer.alloc(20_000, 0x08));
  const unknown = Buffer.concat([varint(5000 * 8), varint(7)]);
  const body = lenField(1, lenField(2, Buffer.concat([unknown, span, span])));
  t.equal(countItems('traces', body), 2, '3-byte lengths and a 3-byte tag');
});

t.test('an unreadable envelope counts as no items', async (t) => {
  const body = sampleBody('logs', { items: 3 });
  t.equal(countItems('logs', body.subarray(0, body.length - 5)), 0, 'truncated');
  t.equal(countItems('logs', Buffer.from([0x0a, 0x05, 0x12])), 0, 'length past the end');
  t.equal(countItems('logs', Buffer.from([0x0a, 0xff])), 0, 'length varint cut short');
  t.equal(countItems('logs', Buffer.from([0x0a])), 0, 'no length at all');
  t.equal(countItems('logs', Buffer.from([0x0f])), 0, 'invalid wire type');
  t.equal(countItems('logs', Buffer.from([0x80])), 0, 'tag varint cut short');
  t.equal(countItems('logs', Buffer.alloc(0)), 0, 'empty request');
  t.equal(countItems('traces', lenField(1, lenField(2, lenField(2, Buffer.alloc(3))))), 1, 'items are not looked into');
});

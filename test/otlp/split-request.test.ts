import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { splitRequest } from '../../src/otlp/split-request.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRandom, randomRequest } from '../helpers/random-request.js';
import { decodeRequest } from '../helpers/reference-codec.js';

type Plain = Record<string, unknown>;

const scopeKey: Record<Signal, [string, string]> = {
  traces: ['scopeSpans', 'spans'],
  logs: ['scopeLogs', 'logRecords'],
  metrics: ['scopeMetrics', 'metrics'],
};

/** Every item with the resource and scope it belongs to, as comparable strings. */
function triples(signal: Signal, bytes: Uint8Array): string[] {
  const decoded = decodeRequest(signal, bytes);
  const [scopesKey, itemsKey] = scopeKey[signal];
  const out: string[] = [];
  for (const entry of (decoded[signals[signal].resourceKey] ?? []) as Plain[]) {
    const resource = JSON.stringify(entry.resource ?? null) + String(entry.schemaUrl ?? '');
    for (const scope of (entry[scopesKey] ?? []) as Plain[]) {
      const scopeId = JSON.stringify(scope.scope ?? null) + String(scope.schemaUrl ?? '');
      for (const item of (scope[itemsKey] ?? []) as Plain[]) out.push(`${resource}|${scopeId}|${JSON.stringify(item)}`);
    }
  }
  return out.sort();
}

t.test('a request that fits is returned as is', async (t) => {
  const request = buildRequest('traces', { items: ['a', 'b'] });
  const { parts, rejectedItems } = splitRequest('traces', request, request.length);
  t.equal(parts.length, 1);
  t.equal(parts[0], request, 'the same buffer, not a copy');
  t.equal(rejectedItems, 0);
});

t.test('random requests split under random limits keep every item with its resource and scope', async (t) => {
  const r = createRandom(20261124);
  let cases = 0;
  let splits = 0;
  for (const signal of allSignals) {
    for (let i = 0; i < 150; i++) {
      const generated = randomRequest(r, signal, { resources: 1 + r.int(4), maxScopes: 3, maxItems: 6, oddities: false });
      const bytes = generated.bytes;
      const limit = Math.max(64, Math.floor(bytes.length * (0.1 + r.float() * 0.8)));
      let result;
      try {
        result = splitRequest(signal, bytes, limit);
      } catch (err) {
        // Only when a resource or scope alone (without any item) is over the limit.
        t.equal((err as { code?: string }).code, ErrorCode.TOO_LARGE);
        continue;
      }
      cases++;
      if (result.parts.length > 1) splits++;
      const before = triples(signal, bytes);
      const after = result.parts.flatMap((part) => triples(signal, part)).sort();
      for (const part of result.parts) {
        if (part.length > limit) t.fail(`part of ${part.length} bytes over the limit of ${limit}`);
        inspectRequest(signal, part);
      }
      const itemsAfter = result.parts.reduce((n, part) => n + inspectRequest(signal, part).items, 0);
      t.equal(itemsAfter + result.rejectedItems, generated.items, `${signal} #${i}: every item delivered or counted`);
      if (result.rejectedFields === 0) t.same(after, before, `${signal} #${i}: same items, resources and scopes`);
      else t.ok(after.every((x) => before.includes(x)), `${signal} #${i}: nothing invented`);
    }
  }
  t.ok(cases > 300 && splits > 200, `${cases} cases, ${splits} split`);
});

t.test('an item over the limit alone is left out and counted', async (t) => {
  const request = buildRequest('traces', { items: ['small', 'x'.repeat(5000), 'small2'] });
  const { parts, rejectedItems } = splitRequest('traces', request, 1000);
  t.equal(rejectedItems, 1);
  const names = parts.flatMap((p) => triples('traces', p)).map((s) => JSON.parse(s.split('|')[2]).name);
  t.same(names.sort(), ['small', 'small2']);
});

t.test('metrics count the data points of a metric left out', async (t) => {
  const request = buildRequest('metrics', { items: ['m1', 'y'.repeat(4000)] });
  const { rejectedItems, parts } = splitRequest('metrics', request, 800);
  t.equal(rejectedItems, 1, 'one data point in the oversize metric');
  t.equal(parts.reduce((n, p) => n + inspectRequest('metrics', p).items, 0), 1);
});

t.test('a resource larger than the limit on its own cannot be split', async (t) => {
  const request = buildRequest('logs', { resource: { pad: 'z'.repeat(3000) }, items: ['a', 'b'] });
  t.throws(() => splitRequest('logs', request, 1000), { code: ErrorCode.TOO_LARGE });
  t.throws(() => splitRequest('logs', request, 1), { code: ErrorCode.TOO_LARGE }, 'a limit too small for any field');
  t.throws(() => splitRequest('logs', request, 3), { code: ErrorCode.TOO_LARGE }, 'a limit too small for a field header');
});

t.test('limits around a length prefix growing a byte (127 → 128) are met exactly', async (t) => {
  const request = buildRequest('traces', { items: Array.from({ length: 8 }, (_, i) => `span-${i}`) });
  for (let limit = 120; limit <= 140; limit++) {
    const { parts, rejectedItems } = splitRequest('traces', request, limit);
    t.ok(parts.every((p) => p.length <= limit), `limit ${limit}`);
    t.equal(parts.reduce((n, p) => n + inspectRequest('traces', p).items, 0) + rejectedItems, 8);
  }
});

t.test('a Uint8Array that fits comes back as a Buffer over the same bytes', async (t) => {
  const request = new Uint8Array(buildRequest('traces', { items: ['a'] }));
  const { parts } = splitRequest('traces', request, request.length);
  t.ok(Buffer.isBuffer(parts[0]));
  t.equal(parts[0].buffer, request.buffer);
  t.same([...parts[0]], [...request]);
});

t.test('unknown fields around what is split are repeated in every piece', async (t) => {
  const request = Buffer.concat([buildRequest('traces', { items: ['a'.repeat(300), 'b'.repeat(300)] }), Buffer.from([0x28, 0x07])]);
  const { parts } = splitRequest('traces', request, 500);
  t.equal(parts.length, 2);
  for (const part of parts) t.same([...part.subarray(0, 2)], [0x28, 0x07], 'the unknown varint field comes along, first');
});

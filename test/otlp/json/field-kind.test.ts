import t from 'tap';
import { BYTES, fieldKind, HEX, idLength, isPackable, MESSAGE, oneofNames, wireTypeOf } from '../../../src/otlp/json/field-kind.js';
import { messageSpec } from '../../../src/otlp/otlp-schema.js';

const field = (message: string, name: string) => {
  const f = messageSpec(message).byJsonKey.get(name);
  if (f === undefined) throw new Error(`${message}.${name}`);
  return f;
};

t.test('kinds and wire types', async (t) => {
  t.equal(fieldKind(field('Span', 'traceId')), HEX);
  t.equal(fieldKind(field('AnyValue', 'bytesValue')), BYTES);
  t.equal(fieldKind(field('Span', 'status')), MESSAGE);
  t.same(
    ['name', 'kind', 'startTimeUnixNano', 'flags', 'traceId', 'attributes'].map((n) => wireTypeOf[fieldKind(field('Span', n))]),
    [2, 0, 1, 5, 2, 2],
  );
  t.equal(wireTypeOf[fieldKind(field('AnyValue', 'doubleValue'))], 1);
  t.equal(wireTypeOf[fieldKind(field('ExponentialHistogramDataPoint', 'scale'))], 0);
});

t.test('packable fields, ID lengths, oneofs', async (t) => {
  t.ok(isPackable(field('HistogramDataPoint', 'bucketCounts')));
  t.ok(isPackable(field('HistogramDataPoint', 'explicitBounds')));
  t.notOk(isPackable(field('EntityRef', 'idKeys')), 'repeated strings are not');
  t.notOk(isPackable(field('HistogramDataPoint', 'count')), 'singular numbers are not');
  t.equal(idLength(field('Span', 'traceId')), 16);
  t.equal(idLength(field('Exemplar', 'trace_id')), 16);
  t.equal(idLength(field('Span', 'parentSpanId')), 8);
  t.same(oneofNames(messageSpec('AnyValue').fields), ['value']);
  t.same(oneofNames(messageSpec('Metric').fields), ['data']);
  t.same(oneofNames(messageSpec('HistogramDataPoint').fields), [], 'proto3 optionals are no oneof');
});

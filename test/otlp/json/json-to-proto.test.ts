import t, { type Test } from 'tap';
import { ErrorCode } from '../../../src/errors.js';
import { jsonToProto, requestJsonToProto } from '../../../src/otlp/json/json-to-proto.js';
import { maxJsonDepth } from '../../../src/otlp/json/lossless-json.js';
import { decodeRequest, encodeRequest, lookupType } from '../../helpers/reference-codec.js';
import { at, base64OfHex } from './json-helpers.js';

const traces = (span: string): string => `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`;
const spanOf = (span: string): unknown =>
  at(decodeRequest('traces', requestJsonToProto('traces', traces(span))), 'resourceSpans', 0, 'scopeSpans', 0, 'spans', 0);
const anyValueOf = (value: string): unknown => at(spanOf(`{"attributes":[{"key":"k","value":${value}}]}`), 'attributes', 0, 'value');
const metrics = (metric: string): string => `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[${metric}]}]}]}`;
const metricOf = (metric: string): unknown =>
  at(decodeRequest('metrics', requestJsonToProto('metrics', metrics(metric))), 'resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0);
const logs = (record: string): string => `{"resourceLogs":[{"scopeLogs":[{"logRecords":[${record}]}]}]}`;
const logOf = (record: string): unknown =>
  at(decodeRequest('logs', requestJsonToProto('logs', logs(record))), 'resourceLogs', 0, 'scopeLogs', 0, 'logRecords', 0);

const spanPath = 'resourceSpans[0].scopeSpans[0].spans[0]';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

function rejects(t: Test, fn: () => unknown, message: string): void {
  t.throws(fn, { code: ErrorCode.JSON_DECODE, message }, message);
}

t.test('trace and span IDs are hex in either case (checklist 37)', async (t) => {
  const expected = { traceId: base64OfHex(TRACE_ID), spanId: base64OfHex(SPAN_ID), parentSpanId: base64OfHex('0102030405060708') };
  t.match(spanOf(`{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","parentSpanId":"0102030405060708"}`), expected);
  t.match(spanOf(`{"traceId":"${TRACE_ID.toUpperCase()}","spanId":"EeE19b7EC3c1B174","parentSpanId":"0102030405060708"}`), expected);
  t.same(spanOf('{"traceId":"","spanId":"","parentSpanId":""}'), {}, 'empty strings are empty IDs, left out');
  t.match(at(spanOf(`{"links":[{"traceId":"${TRACE_ID.toUpperCase()}","spanId":"${SPAN_ID}"}]}`), 'links', 0), {
    traceId: expected.traceId,
    spanId: expected.spanId,
  });
  t.match(logOf(`{"traceId":"${TRACE_ID.toUpperCase()}","spanId":"${SPAN_ID}"}`), { traceId: expected.traceId, spanId: expected.spanId });
  t.match(
    at(metricOf(`{"gauge":{"dataPoints":[{"exemplars":[{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID.toUpperCase()}"}]}]}}`), 'gauge', 'dataPoints', 0, 'exemplars', 0),
    { traceId: expected.traceId, spanId: expected.spanId },
  );
});

t.test('wrong IDs are refused with their path (checklist 38)', async (t) => {
  rejects(t, () => requestJsonToProto('traces', traces('{"traceId":"W47/95gDgQPSabYzgT/GDA=="}')),
    `${spanPath}.traceId: expected 32 hex digits, got "W47/95gDgQPSabYzgT/GDA=="`);
  rejects(t, () => requestJsonToProto('traces', traces('{"traceId":"abc"}')), `${spanPath}.traceId: expected 32 hex digits, got "abc"`);
  rejects(t, () => requestJsonToProto('traces', traces(`{"spanId":"${TRACE_ID}"}`)), `${spanPath}.spanId: expected 16 hex digits`);
  rejects(t, () => requestJsonToProto('traces', traces('{"parent_span_id":"0102030405060g08"}')), `${spanPath}.parentSpanId: expected 16 hex digits, got "0102030405060g08"`);
  rejects(t, () => requestJsonToProto('traces', traces('{"traceId":5}')), `${spanPath}.traceId: expected a hex string, got 5`);
  const deep = '{"resourceSpans":[{},{"scopeSpans":[{},{"spans":[{},{},{},{"traceId":"abc"}]}]}]}';
  rejects(t, () => requestJsonToProto('traces', deep), 'resourceSpans[1].scopeSpans[1].spans[3].traceId: expected 32 hex digits, got "abc"');
  rejects(t, () => requestJsonToProto('logs', logs('{"spanId":"0102"}')), 'resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex digits');
});

t.test('snake_case keys decode like lowerCamelCase (checklist 40)', async (t) => {
  const camel = `{"resourceSpans":[{"resource":{"droppedAttributesCount":3},"scopeSpans":[{"spans":[{"traceId":"${TRACE_ID}","startTimeUnixNano":"5","droppedAttributesCount":2}]}],"schemaUrl":"s"}]}`;
  const snake = `{"resource_spans":[{"resource":{"dropped_attributes_count":3},"scope_spans":[{"spans":[{"trace_id":"${TRACE_ID}","start_time_unix_nano":"5","dropped_attributes_count":2}]}],"schema_url":"s"}]}`;
  t.same(requestJsonToProto('traces', snake), requestJsonToProto('traces', camel));
  t.match(decodeRequest('traces', requestJsonToProto('traces', snake)), { resourceSpans: [{ schemaUrl: 's' }] });
});

t.test('unknown keys are ignored anywhere (checklist 41)', async (t) => {
  const plain = requestJsonToProto('traces', traces(`{"name":"n","attributes":[{"key":"k","value":{"intValue":"1"}}]}`));
  const noisy = requestJsonToProto(
    'traces',
    `{"extra":[1,{"a":null}],"resourceSpans":[{"fooBar":{"x":[true,false,"y",-1.5e3]},"scopeSpans":[{"spans":[{"name":"n","instrumentationLibrary":{},"attributes":[{"key":"k","value":{"intValue":"1","unknownValue":"z"},"k\\u00e9y":1}]}]}]}],"zzz":{}}`,
  );
  t.same(noisy, plain);
  rejects(t, () => requestJsonToProto('traces', '{"fooBar":{"x":[1,}]}'), 'fooBar: invalid JSON at offset 18');
  rejects(t, () => requestJsonToProto('traces', '{"fooBar":{"x":[1,}]}'), "expected a value, unexpected '}'");
});

t.test('64-bit integers: strings or numbers, all digits kept (checklist 42)', async (t) => {
  for (const v of ['"1544712660300000000"', '1544712660300000000', '1.5447126603e18', '"15447126603000000000e-1"', '1544712660300000000.000']) {
    t.match(spanOf(`{"startTimeUnixNano":${v}}`), { startTimeUnixNano: '1544712660300000000' }, v);
  }
  t.match(spanOf('{"endTimeUnixNano":"18446744073709551615"}'), { endTimeUnixNano: '18446744073709551615' }, 'fixed64 max');
  t.match(spanOf('{"endTimeUnixNano":9007199254740993}'), { endTimeUnixNano: '9007199254740993' }, '2^53 + 1');
  t.match(anyValueOf('{"intValue":"-9223372036854775808"}'), { intValue: '-9223372036854775808' }, 'int64 min');
  t.match(anyValueOf('{"intValue":9223372036854775807}'), { intValue: '9223372036854775807' }, 'int64 max');
  t.match(anyValueOf('{"intValue":-1}'), { intValue: '-1' });
  t.match(at(metricOf('{"gauge":{"dataPoints":[{"asInt":"-42"}]}}'), 'gauge', 'dataPoints', 0), { asInt: '-42' }, 'sfixed64');
  t.match(at(metricOf('{"histogram":{"dataPoints":[{"count":"0","bucketCounts":[1,"18446744073709551615"]}]}}'), 'histogram', 'dataPoints', 0), {
    bucketCounts: ['1', '18446744073709551615'],
  });
  t.match(
    at(metricOf('{"exponentialHistogram":{"dataPoints":[{"positive":{"offset":-3,"bucketCounts":["1",2,"300"]},"zeroCount":"7"}]}}'), 'exponentialHistogram', 'dataPoints', 0),
    { positive: { offset: -3, bucketCounts: ['1', '2', '300'] }, zeroCount: '7' },
    'uint64 varints, sint32',
  );
  t.match(spanOf('{"startTimeUnixNano":"0e999999999", "endTimeUnixNano":"-0"}'), {}, 'zero in any notation');
  const s = `{"startTimeUnixNano":`;
  const where = `${spanPath}.startTimeUnixNano`;
  rejects(t, () => requestJsonToProto('traces', traces(`${s}"18446744073709551616"}`)), `${where}: out of range for fixed64: 18446744073709551616`);
  rejects(t, () => requestJsonToProto('traces', traces(`${s}-1}`)), `${where}: out of range for fixed64: -1`);
  rejects(t, () => requestJsonToProto('traces', traces(`${s}1.5}`)), `${where}: not an integer for fixed64: 1.5`);
  rejects(t, () => requestJsonToProto('traces', traces(`${s}1e-1}`)), 'not an integer');
  rejects(t, () => requestJsonToProto('traces', traces(`${s}1e30}`)), 'out of range for fixed64: 1e30');
  rejects(t, () => requestJsonToProto('traces', traces(`${s}1e999999999}`)), 'out of range');
  rejects(t, () => requestJsonToProto('traces', traces(`${s}"abc"}`)), `${where}: expected an integer, got "abc"`);
  rejects(t, () => requestJsonToProto('traces', traces(`${s}" 1"}`)), 'expected an integer, got " 1"');
  rejects(t, () => requestJsonToProto('traces', traces(`${s}""}`)), 'expected an integer, got ""');
  rejects(t, () => requestJsonToProto('traces', traces(`${s}true}`)), `${where}: expected an integer, got true`);
  rejects(t, () => requestJsonToProto('traces', traces(`${s}{}}`)), 'expected an integer, got an object');
  rejects(t, () => requestJsonToProto('traces', traces(`${s}[]}`)), 'expected an integer, got an array');
  const intValue = 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue';
  rejects(t, () => anyValueOf('{"intValue":"9223372036854775808"}'), `${intValue}: out of range for int64: 9223372036854775808`);
  rejects(t, () => anyValueOf('{"intValue":"-9223372036854775809"}'), 'out of range for int64');
  rejects(t, () => anyValueOf(`{"intValue":"${'9'.repeat(30)}"}`), 'out of range for int64');
});

t.test('32-bit integers: numbers or decimal strings, range-checked (checklist 43)', async (t) => {
  t.match(spanOf('{"flags":257,"droppedAttributesCount":"4294967295","droppedEventsCount":1e2}'), {
    flags: 257,
    droppedAttributesCount: 4294967295,
    droppedEventsCount: 100,
  });
  t.match(spanOf('{"flags":"4294967295"}'), { flags: 4294967295 }, 'fixed32 max');
  const where = `${spanPath}.droppedAttributesCount`;
  rejects(t, () => spanOf('{"droppedAttributesCount":4294967296}'), `${where}: out of range for uint32: 4294967296`);
  rejects(t, () => spanOf('{"droppedAttributesCount":-1}'), `${where}: out of range for uint32: -1`);
  rejects(t, () => spanOf('{"flags":-1}'), 'out of range for fixed32');
  rejects(t, () => spanOf('{"droppedLinksCount":0.5}'), 'not an integer for uint32: 0.5');
  // int32 (KeyValue.key_strindex) and sint32 (scale, offset) at their limits.
  const kv = (v: string): unknown => at(spanOf(`{"attributes":[{"key":"k","keyStrindex":${v}}]}`), 'attributes', 0);
  t.match(kv('-2147483648'), { keyStrindex: -2147483648 });
  t.match(kv('"2147483647"'), { keyStrindex: 2147483647 });
  rejects(t, () => kv('2147483648'), 'out of range for int32: 2147483648');
  rejects(t, () => kv('-2147483649'), 'out of range for int32');
  const scale = (v: string): unknown => at(metricOf(`{"exponentialHistogram":{"dataPoints":[{"scale":${v}}]}}`), 'exponentialHistogram', 'dataPoints', 0);
  t.match(scale('-2147483648'), { scale: -2147483648 });
  t.match(scale('2147483647'), { scale: 2147483647 });
  t.match(scale('-1'), { scale: -1 });
  rejects(t, () => scale('2147483648'), 'out of range for sint32');
  // A negative int32 is a 10-byte varint on the wire, like every protobuf encoder writes it.
  const bytes = jsonToProto('KeyValue', '{"keyStrindex":-1}');
  t.same([...bytes], [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
});

t.test('doubles: numbers, numeric strings, NaN and infinities', async (t) => {
  t.match(anyValueOf('{"doubleValue":637.704}'), { doubleValue: 637.704 });
  t.match(anyValueOf('{"doubleValue":"-1.5e-7"}'), { doubleValue: -1.5e-7 });
  t.ok(Number.isNaN(at(anyValueOf('{"doubleValue":"NaN"}'), 'doubleValue')));
  t.equal(at(anyValueOf('{"doubleValue":"Infinity"}'), 'doubleValue'), Infinity);
  t.equal(at(anyValueOf('{"doubleValue":"-Infinity"}'), 'doubleValue'), -Infinity);
  t.ok(Object.is(at(anyValueOf('{"doubleValue":-0}'), 'doubleValue'), -0), '-0 is kept');
  t.match(at(metricOf('{"histogram":{"dataPoints":[{"explicitBounds":[0,1.5,"Infinity",-2]}]}}'), 'histogram', 'dataPoints', 0), {
    explicitBounds: [0, 1.5, Infinity, -2],
  });
  const where = 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.doubleValue';
  rejects(t, () => anyValueOf('{"doubleValue":1e400}'), `${where}: out of range for double: 1e400`);
  rejects(t, () => anyValueOf('{"doubleValue":"nan"}'), `${where}: expected a number, got "nan"`);
  rejects(t, () => anyValueOf('{"doubleValue":true}'), `${where}: expected a number, got true`);
});

t.test('enums: integers or known names (checklist 39)', async (t) => {
  t.match(spanOf('{"kind":2,"status":{"code":"STATUS_CODE_ERROR"}}'), { kind: 2, status: { code: 2 } });
  t.match(spanOf('{"kind":"SPAN_KIND_SERVER"}'), { kind: 2 });
  t.match(spanOf('{"kind":"SPAN_KIND_CONSUMER"}'), { kind: 5 });
  t.match(spanOf('{"kind":99}'), { kind: 99 }, 'proto3 enums are open');
  t.match(spanOf('{"kind":-1}'), { kind: -1 });
  t.same(spanOf('{"kind":"SPAN_KIND_UNSPECIFIED"}'), {}, 'the zero value is the default');
  t.match(logOf('{"severityNumber":"SEVERITY_NUMBER_INFO","severity_number":null}'), { severityNumber: 9 });
  t.match(metricOf('{"sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true}}'), {
    sum: { aggregationTemporality: 2, isMonotonic: true },
  });
  rejects(t, () => spanOf('{"kind":"SPAN_KIND_SERVERS"}'), `${spanPath}.kind: unknown SpanKind name "SPAN_KIND_SERVERS"`);
  rejects(t, () => spanOf('{"kind":"2"}'), 'unknown SpanKind name "2"');
  rejects(t, () => spanOf('{"kind":"toString"}'), 'unknown SpanKind name "toString"');
  rejects(t, () => spanOf('{"kind":2147483648}'), 'out of range for enum');
  rejects(t, () => spanOf('{"kind":{}}'), `${spanPath}.kind: expected an integer, got an object`);
});

t.test('strings, bools and base64 bytes', async (t) => {
  t.match(anyValueOf('{"stringValue":"a\\"b\\\\c\\n\\u00e9😀"}'), { stringValue: 'a"b\\c\né😀' });
  t.match(anyValueOf('{"boolValue":true}'), { boolValue: true });
  for (const b64 of ['+/+/AQID', '-_-_AQID', 'AQIDBA==', 'AQIDBA', 'AQIDBAU=', 'AQIDBAU', '']) {
    t.match(anyValueOf(`{"bytesValue":"${b64}"}`), { bytesValue: Buffer.from(b64, 'base64').toString('base64') }, b64);
  }
  const where = 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue';
  rejects(t, () => anyValueOf('{"bytesValue":"AQIDB"}'), `${where}: invalid base64: "AQIDB"`);
  rejects(t, () => anyValueOf('{"bytesValue":"AQ=D"}'), 'invalid base64');
  rejects(t, () => anyValueOf('{"bytesValue":"AQI="}'.replace('AQI=', 'AQ=')), 'invalid base64');
  rejects(t, () => anyValueOf('{"bytesValue":"AQ.D"}'), 'invalid base64: "AQ.D"');
  rejects(t, () => anyValueOf('{"bytesValue":"AQ D"}'), 'invalid base64');
  rejects(t, () => anyValueOf('{"bytesValue":"A=="}'), 'invalid base64');
  rejects(t, () => anyValueOf('{"bytesValue":[1]}'), `${where}: expected a base64 string, got an array`);
  rejects(t, () => anyValueOf('{"stringValue":1}'), 'stringValue: expected a string, got 1');
  rejects(t, () => anyValueOf('{"boolValue":"true"}'), 'boolValue: expected true or false, got "true"');
  rejects(t, () => anyValueOf('{"boolValue":null,"stringValue":"xx}'), 'value.stringValue: invalid JSON at offset 109: unterminated string');
  rejects(t, () => anyValueOf(`{"stringValue":["${'y'.repeat(100)}"]}`), 'expected a string, got an array');
  rejects(t, () => anyValueOf(`{"doubleValue":"${'y'.repeat(100)}"}`), `expected a number, got "${'y'.repeat(64)}…"`);
});

t.test('null is the default, for repeated fields the empty list (checklist 45)', async (t) => {
  const empty = requestJsonToProto('traces', traces('{}'));
  t.same(requestJsonToProto('traces', traces('{"traceId":null,"name":null,"kind":null,"attributes":null,"status":null,"startTimeUnixNano":null}')), empty);
  t.same(anyValueOf('{"stringValue":null}'), {});
  t.same(requestJsonToProto('traces', '{"resourceSpans":null}'), Buffer.alloc(0));
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":[null]}'), 'resourceSpans[0]: null is not allowed in an array');
  rejects(t, () => requestJsonToProto('traces', traces('{"attributes":[{"key":"a"},null]}')), `${spanPath}.attributes[1]: null is not allowed in an array`);
  rejects(t, () => requestJsonToProto('traces', 'null'), '(root): expected an object, got null');
  rejects(t, () => requestJsonToProto('traces', '[]'), '(root): expected an object, got an array');
  rejects(t, () => requestJsonToProto('traces', '"x"'), '(root): expected an object, got "x"');
  rejects(t, () => requestJsonToProto('traces', ''), '(root): expected an object, got end of input');
});

t.test('presence fields are written at their default, others are not', async (t) => {
  t.same(anyValueOf('{"stringValue":""}'), { stringValue: '' });
  t.same(anyValueOf('{"boolValue":false}'), { boolValue: false });
  t.same(anyValueOf('{"intValue":"0"}'), { intValue: '0' });
  t.same(anyValueOf('{"doubleValue":0}'), { doubleValue: 0 });
  t.same(anyValueOf('{"bytesValue":""}'), { bytesValue: '' });
  t.same(anyValueOf('{"arrayValue":{}}'), { arrayValue: {} });
  t.same(anyValueOf('{"kvlistValue":{"values":[]}}'), { kvlistValue: {} });
  t.same(anyValueOf('{}'), {}, 'an empty AnyValue is valid (checklist 44)');
  t.same(anyValueOf('{"arrayValue":{"values":[{"intValue":1},{"stringValue":"a"},{},{"kvlistValue":{"values":[{"key":"x","value":{"boolValue":true}}]}}]}}'), {
    arrayValue: { values: [{ intValue: '1' }, { stringValue: 'a' }, {}, { kvlistValue: { values: [{ key: 'x', value: { boolValue: true } }] } }] },
  }, 'heterogeneous nested arrays');
  t.same(metricOf('{"gauge":{}}'), { gauge: {} }, 'a Metric data member');
  t.same(at(metricOf('{"gauge":{"dataPoints":[{"asDouble":0}]}}'), 'gauge', 'dataPoints', 0), { asDouble: 0 });
  t.same(at(metricOf('{"gauge":{"dataPoints":[{"asInt":0}]}}'), 'gauge', 'dataPoints', 0), { asInt: '0' });
  t.same(at(metricOf('{"histogram":{"dataPoints":[{"sum":0,"min":0,"max":0,"count":0}]}}'), 'histogram', 'dataPoints', 0), { sum: 0, min: 0, max: 0 });
  const defaults = '{"traceId":"","name":"","kind":0,"flags":0,"startTimeUnixNano":"0","droppedAttributesCount":0,"status":{"code":0,"message":""}}';
  t.same(requestJsonToProto('traces', traces(defaults)), requestJsonToProto('traces', traces('{"status":{}}')), 'ordinary defaults are left out');
  t.same([...jsonToProto('Span', '{"flags":0,"name":"","kind":0}')], []);
});

t.test('canonical protobuf: byte-identical to protobufjs for canonical input', async (t) => {
  const json = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}],"droppedAttributesCount":1},"scopeSpans":[{"scope":{"name":"lib","version":"1"},"spans":[{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","traceState":"a=b","parentSpanId":"${SPAN_ID}","name":"span","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","attributes":[{"key":"i","value":{"intValue":"-5"}},{"key":"d","value":{"doubleValue":1.5}}],"droppedAttributesCount":1,"events":[{"timeUnixNano":"1","name":"e"}],"links":[{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","flags":1}],"status":{"message":"m","code":2},"flags":257}],"schemaUrl":"u"}]}]}`;
  const object = JSON.parse(json, (k, v: unknown) => (typeof v === 'string' && /^(traceId|spanId|parentSpanId)$/.test(k) ? Buffer.from(v, 'hex') : v)) as Record<string, unknown>;
  t.same(requestJsonToProto('traces', json), encodeRequest('traces', object));
  const histogram = '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h","histogram":{"dataPoints":[{"startTimeUnixNano":"1","timeUnixNano":"2","count":"3","sum":4.5,"bucketCounts":["1","2"],"explicitBounds":[1,2.5],"min":0,"max":3}],"aggregationTemporality":1}}]}]}]}';
  t.same(requestJsonToProto('metrics', histogram), encodeRequest('metrics', JSON.parse(histogram) as Record<string, unknown>), 'repeated numbers are packed');
  const type = lookupType('opentelemetry.proto.metrics.v1.HistogramDataPoint');
  t.same(jsonToProto('HistogramDataPoint', '{"bucketCounts":[],"explicitBounds":[]}'), Buffer.from(type.encode(type.fromObject({})).finish()), 'empty packed lists are left out');
});

t.test('lengths of large nested messages', async (t) => {
  for (const size of [126, 127, 128, 16383, 16384, 2_097_152]) {
    const name = 'x'.repeat(size);
    const bytes = requestJsonToProto('traces', traces(`{"name":"${name}"}`));
    t.equal(at(decodeRequest('traces', bytes), 'resourceSpans', 0, 'scopeSpans', 0, 'spans', 0, 'name'), name, `a ${size}-byte name`);
  }
});

t.test('ambiguous input is refused', async (t) => {
  rejects(t, () => spanOf(`{"traceId":"${TRACE_ID}","trace_id":"${TRACE_ID}"}`), `${spanPath}.traceId: field given more than once`);
  rejects(t, () => spanOf('{"name":"a","name":"b"}'), 'field given more than once');
  rejects(t, () => anyValueOf('{"stringValue":"a","intValue":"1"}'), "intValue: more than one member of oneof 'value' given");
  rejects(t, () => metricOf('{"gauge":{},"sum":{}}'), "more than one member of oneof 'data' given");
  t.same(anyValueOf('{"stringValue":null,"intValue":"1"}'), { intValue: '1' }, 'a null member does not count');
  t.same(at(metricOf('{"histogram":{"dataPoints":[{"sum":1,"min":0,"max":2}]}}'), 'histogram', 'dataPoints', 0), { sum: 1, min: 0, max: 2 }, 'proto3 optionals are independent');
});

t.test('wrong JSON types are refused with their path', async (t) => {
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":[{"resource":"x"}]}'), 'resourceSpans[0].resource: expected an object, got "x"');
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":[{"resource":[]}]}'), 'resourceSpans[0].resource: expected an object, got an array');
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":{}}'), 'resourceSpans: expected an array, got an object');
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":["x"]}'), 'resourceSpans[0]: expected an object, got "x"');
  rejects(t, () => requestJsonToProto('traces', traces('{"attributes":{"key":"a"}}')), `${spanPath}.attributes: expected an array, got an object`);
  rejects(t, () => requestJsonToProto('metrics', metrics('{"histogram":{"dataPoints":[{"bucketCounts":[1,null]}]}}')), 'resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: null is not allowed in an array');
  rejects(t, () => requestJsonToProto('metrics', metrics('{"histogram":{"dataPoints":[{"bucketCounts":[1,"x"]}]}}')), 'bucketCounts[1]: expected an integer, got "x"');
  rejects(t, () => requestJsonToProto('traces', traces('{"name":"a"} ,')), "resourceSpans[0].scopeSpans[0].spans[1]: invalid JSON at offset 57: expected a value, unexpected ']'");
});

t.test('malformed JSON', async (t) => {
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a",}]}]}]}'), `${spanPath}.name: invalid JSON at offset 55: expected a member name, unexpected '}'`);
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":[]'), 'resourceSpans: invalid JSON at offset 19');
  rejects(t, () => requestJsonToProto('traces', '{"resourceSpans":[]} {}'), 'invalid JSON at offset 21: unexpected \'{\' after the end of the value');
  rejects(t, () => requestJsonToProto('traces', traces('{"name":"a\u0001"}')), 'control character in string');
  rejects(t, () => requestJsonToProto('traces', traces('{"kind":nope}')), `${spanPath}.kind: invalid JSON at offset`);
  rejects(t, () => requestJsonToProto('traces', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d])), 'invalid JSON: the text is not valid UTF-8');
  const nested = (depth: number): string => '{"arrayValue":{"values":['.repeat(depth) + '{}' + ']}}'.repeat(depth);
  t.doesNotThrow(() => anyValueOf(nested(20)));
  rejects(t, () => anyValueOf(nested(maxJsonDepth)), `nesting deeper than ${maxJsonDepth}`);
  rejects(t, () => requestJsonToProto('traces', traces(`{"unknown":${'['.repeat(200)}${']'.repeat(200)}}`)), 'nesting deeper');
});

t.test('input forms and messages', async (t) => {
  const text = traces(`{"name":"é","traceId":"${TRACE_ID}"}`);
  const expected = requestJsonToProto('traces', text);
  t.same(requestJsonToProto('traces', Buffer.from(text)), expected);
  t.same(requestJsonToProto('traces', new TextEncoder().encode(text)), expected, 'a plain Uint8Array');
  t.same(requestJsonToProto('traces', `\ufeff${text}`), expected, 'a byte order mark');
  t.same(requestJsonToProto('traces', '{}'), Buffer.alloc(0));
  t.same(requestJsonToProto('logs', ' { } '), Buffer.alloc(0));
  const status = jsonToProto('google.rpc.Status', '{"code":3,"message":"bad","details":[{"typeUrl":"t","value":"AQI="}]}');
  t.same(lookupType('google.rpc.Status').toObject(lookupType('google.rpc.Status').decode(status), { bytes: String }), {
    code: 3,
    message: 'bad',
    details: [{ type_url: 't', value: 'AQI=' }],
  });
  const response = jsonToProto('ExportTraceServiceResponse', '{"partialSuccess":{"rejectedSpans":"2","errorMessage":"e"}}');
  t.same([...response], [0x0a, 0x05, 0x08, 0x02, 0x12, 0x01, 0x65]);
  t.throws(() => jsonToProto('NoSuchMessage', '{}'), /no such message/);
  t.same(jsonToProto('google.protobuf.Any', '{"typeUrl":"","value":""}'), Buffer.alloc(0), 'empty bytes are the default');
});

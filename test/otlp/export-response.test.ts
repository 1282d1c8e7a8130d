/**
 * Export<Signal>ServiceResponse in protobuf and JSON, against the protobufjs reference.
 */
import fc from 'fast-check';
import t from 'tap';
import type { ExportResponse } from '../../src/consumer.js';
import { ErrorCode } from '../../src/errors.js';
import {
  decodeExportResponse,
  encodeExportResponse,
  exportResponseFromJson,
  exportResponseToJson,
} from '../../src/otlp/export-response.js';
import { allSignals, signals } from '../../src/otlp/signal.js';
import { plainObjectOptions, responseType } from '../helpers/reference-codec.js';

const partial = (rejected: string, errorMessage: string): ExportResponse => ({ partialSuccess: { rejected, errorMessage } });

for (const signal of allSignals) {
  const type = responseType(signal);
  const reference = (bytes: Uint8Array): Record<string, unknown> =>
    type.toObject(type.decode(bytes), plainObjectOptions) as Record<string, unknown>;
  const referenceBytes = (object: Record<string, unknown>): Uint8Array => type.encode(type.fromObject(object)).finish();
  const key = signals[signal].rejectedKey;

  t.test(`${signal}: encodeExportResponse decodes with protobufjs`, async (t) => {
    t.same(encodeExportResponse({}), Buffer.alloc(0), 'full success is 0 bytes');
    t.same(encodeExportResponse(partial('0', '')), Buffer.alloc(0), 'an empty partial success equals unset');
    t.same(encodeExportResponse(partial('', '')), Buffer.alloc(0));
    t.same(reference(encodeExportResponse(partial('2', 'two spans had bad ids'))), {
      partialSuccess: { [key]: '2', errorMessage: 'two spans had bad ids' },
    });
    t.same(reference(encodeExportResponse(partial('0', 'warning only'))), { partialSuccess: { errorMessage: 'warning only' } });
    t.same(reference(encodeExportResponse(partial('7', ''))), { partialSuccess: { [key]: '7' } });
    t.same(reference(encodeExportResponse(partial('', 'no count'))), { partialSuccess: { errorMessage: 'no count' } });
    t.same(reference(encodeExportResponse(partial('9223372036854775807', 'max'))), {
      partialSuccess: { [key]: '9223372036854775807', errorMessage: 'max' },
    });
    t.same(reference(encodeExportResponse(partial('-1', 'negative'))), { partialSuccess: { [key]: '-1', errorMessage: 'negative' } });
    const long = 'é'.repeat(200);
    t.same(reference(encodeExportResponse(partial('1', long))), { partialSuccess: { [key]: '1', errorMessage: long } });
  });

  t.test(`${signal}: property: protobuf round trip through protobufjs and back`, async () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.string(), (rejected, message) => {
        const response = partial(rejected.toString(), message);
        const bytes = encodeExportResponse(response);
        const expected = rejected === 0n && message === '' ? {} : response;
        const viaReference = decodeExportResponse(referenceBytes(reference(bytes)));
        return (
          JSON.stringify(decodeExportResponse(bytes)) === JSON.stringify(expected) &&
          JSON.stringify(viaReference) === JSON.stringify(expected)
        );
      }),
    );
  });

  t.test(`${signal}: exportResponseToJson is the OTLP/JSON response`, async (t) => {
    t.equal(exportResponseToJson(signal, {}), '{}');
    t.equal(exportResponseToJson(signal, partial('0', '')), '{}');
    t.same(JSON.parse(exportResponseToJson(signal, partial('2', 'why'))), { partialSuccess: { [key]: '2', errorMessage: 'why' } });
    t.same(JSON.parse(exportResponseToJson(signal, partial('', 'warn'))), { partialSuccess: { [key]: '0', errorMessage: 'warn' } });
    const json = exportResponseToJson(signal, partial('12', 'm'));
    t.same(exportResponseFromJson(signal, json), partial('12', 'm'), 'reads back');
    t.same(
      type.toObject(type.fromObject(JSON.parse(json)), plainObjectOptions),
      { partialSuccess: { [key]: '12', errorMessage: 'm' } },
      'protobufjs reads it as the same message',
    );
  });

  t.test(`${signal}: exportResponseFromJson accepts what upstreams send`, async (t) => {
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    t.same(exportResponseFromJson(signal, ''), {});
    t.same(exportResponseFromJson(signal, '  \n'), {});
    t.same(exportResponseFromJson(signal, '{}'), {});
    t.same(exportResponseFromJson(signal, '{"partialSuccess":null}'), {});
    t.same(exportResponseFromJson(signal, '{"partialSuccess":{}}'), {});
    t.same(exportResponseFromJson(signal, `{"partialSuccess":{"${key}":3}}`), partial('3', ''));
    t.same(exportResponseFromJson(signal, `{"partial_success":{"${snake}":"4","error_message":"snake"}}`), partial('4', 'snake'));
    t.same(exportResponseFromJson(signal, '{"partialSuccess":{"errorMessage":5}}'), partial('0', '5'));
    t.same(exportResponseFromJson(signal, '{"partialSuccess":"nope"}'), {});
  });

  t.test(`${signal}: malformed responses throw the decode error`, async (t) => {
    for (const text of ['{', 'null', '"str"', '<html></html>']) {
      t.throws(() => exportResponseFromJson(signal, text), { code: ErrorCode.DECODE }, text);
    }
  });
}

t.test('decodeExportResponse reads protobufjs output, skips unknown fields, rejects garbage', async (t) => {
  t.same(decodeExportResponse(new Uint8Array()), {});
  const withUnknown = Buffer.from([
    0x10, 0x01, // unknown varint field 2
    0x0a, 0x13, // partial_success, 19 bytes
    0x08, 0x05, // rejected 5
    0x12, 0x01, 0x78, // error_message "x"
    0x19, 1, 2, 3, 4, 5, 6, 7, 8, // unknown fixed64 field 3
    0x25, 1, 2, 3, 4, // unknown fixed32 field 4
    0x1a, 0x00, // unknown bytes field 3 at the outer level
  ]);
  t.same(decodeExportResponse(withUnknown.subarray(0, withUnknown.length - 2)), partial('5', 'x'));
  t.same(decodeExportResponse(withUnknown), partial('5', 'x'));
  t.same(decodeExportResponse(Buffer.from([0x0a, 0x00])), {}, 'an empty partial_success is full success');
  t.same(decodeExportResponse(Buffer.from([0x0a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), partial('-1', ''));
  const garbage: [string, number[]][] = [
    ['truncated varint', [0x0a, 0x02, 0x08, 0x80]],
    ['length past the end', [0x0a, 0x05, 0x08]],
    ['truncated fixed', [0x19, 1, 2]],
    ['group wire type', [0x0b]],
    ['varint over 10 bytes', [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ];
  for (const [name, bytes] of garbage) {
    t.throws(() => decodeExportResponse(Buffer.from(bytes)), { code: ErrorCode.DECODE }, name);
  }
});

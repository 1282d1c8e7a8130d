import t from 'tap';
import { crc32 } from '../../../src/exporter/queue/crc32.js';
import type { QueueEntry } from '../../../src/exporter/queue/delivery-queue.js';
import {
  RECORD_HEADER_BYTES,
  SEGMENT_MAGIC,
  checkRecord,
  decodeRecord,
  encodeAck,
  encodeRecord,
  parseAcks,
  scanSegment,
} from '../../../src/exporter/queue/wal-record.js';
import { buildRequest } from '../../helpers/build-request.js';

const entry: QueueEntry = {
  signal: 'logs',
  headers: { 'x-scope-orgid': 'tenant-1', 'é': 'ü' },
  body: buildRequest('logs', { items: ['hello'] }),
  enqueuedAt: 1_767_225_600_123,
};

function bytesOf(e: QueueEntry): Buffer {
  return Buffer.concat(encodeRecord(e).chunks);
}

/** A record around an arbitrary payload, with a correct CRC. */
function rawRecord(payload: Buffer): Buffer {
  const head = Buffer.alloc(RECORD_HEADER_BYTES);
  head.writeUInt32BE(payload.length, 0);
  head.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

t.test('a record round-trips, and its header holds length and CRC', async (t) => {
  const encoded = encodeRecord(entry);
  const bytes = Buffer.concat(encoded.chunks);
  t.equal(encoded.chunks[1], entry.body, 'the body is not copied');
  t.equal(bytes.length, encoded.length);
  t.same(checkRecord(bytes, 0), { length: encoded.length, crc: encoded.crc });
  t.same(decodeRecord(bytes), entry);
  for (const signal of ['traces', 'metrics'] as const) t.equal(decodeRecord(bytesOf({ ...entry, signal })).signal, signal);
});

t.test('checkRecord: torn or damaged records are refused', async (t) => {
  const bytes = bytesOf(entry);
  t.equal(checkRecord(bytes.subarray(0, 5), 0), undefined, 'header cut');
  t.equal(checkRecord(bytes.subarray(0, bytes.length - 1), 0), undefined, 'payload cut');
  const flipped = Buffer.from(bytes);
  flipped[bytes.length - 3] ^= 0x40;
  t.equal(checkRecord(flipped, 0), undefined, 'one bit flipped');
  const huge = Buffer.from(bytes);
  huge.writeUInt32BE(0xffffffff, 0);
  t.equal(checkRecord(huge, 0), undefined, 'garbage length');
});

t.test('decodeRecord refuses what it does not know', async (t) => {
  const meta = (version: number, signal: number, headers: string, headersLength = Buffer.byteLength(headers)): Buffer => {
    const m = Buffer.alloc(14);
    m.writeUInt8(version, 0);
    m.writeUInt8(signal, 1);
    m.writeDoubleBE(0, 2);
    m.writeUInt32BE(headersLength, 10);
    return Buffer.concat([m, Buffer.from(headers)]);
  };
  t.throws(() => decodeRecord(rawRecord(meta(2, 0, '{}'))), /unknown record version 2/);
  t.throws(() => decodeRecord(rawRecord(Buffer.from([1, 0]))), /unknown record version 1/, 'too short');
  t.throws(() => decodeRecord(rawRecord(meta(1, 7, '{}'))), /unknown signal 7/);
  t.throws(() => decodeRecord(rawRecord(meta(1, 0, '{}', 99))), /headers run past the record/);
  t.throws(() => decodeRecord(rawRecord(meta(1, 0, '[]'))), /headers are not an object/);
  t.throws(() => decodeRecord(rawRecord(meta(1, 0, 'null'))), /headers are not an object/);
  t.throws(() => decodeRecord(rawRecord(meta(1, 0, '{"a":1}'))), /a header value is not a string/);
  t.throws(() => decodeRecord(rawRecord(meta(1, 0, '{'))), SyntaxError);
  t.same(decodeRecord(rawRecord(meta(1, 2, '{"a":"b"}'))), { signal: 'metrics', headers: { a: 'b' }, body: Buffer.alloc(0), enqueuedAt: 0 });
});

t.test('scanSegment stops at the first torn or damaged record', async (t) => {
  const one = bytesOf(entry);
  const two = bytesOf({ ...entry, headers: {} });
  const segment = Buffer.concat([SEGMENT_MAGIC, one, two]);
  const whole = scanSegment(segment);
  t.same(whole, {
    records: [
      { offset: 8, length: one.length, crc: one.readUInt32BE(4) },
      { offset: 8 + one.length, length: two.length, crc: two.readUInt32BE(4) },
    ],
    validEnd: segment.length,
  });
  const torn = scanSegment(segment.subarray(0, segment.length - 10));
  t.equal(torn?.records.length, 1);
  t.equal(torn?.validEnd, 8 + one.length);
  t.same(scanSegment(SEGMENT_MAGIC), { records: [], validEnd: 8 }, 'a fresh segment');
  t.equal(scanSegment(Buffer.from('OTLPWAL')), undefined, 'shorter than the magic');
  t.equal(scanSegment(Buffer.from('NOTAWAL1....')), undefined, 'another file');
});

t.test('ack entries: offset and CRC; a torn last entry is ignored', async (t) => {
  const acks = Buffer.concat([encodeAck(8, 0xdeadbeef), encodeAck(300, 7), Buffer.from([1, 2, 3])]);
  t.same([...parseAcks(acks)], [
    [8, 0xdeadbeef],
    [300, 7],
  ]);
  t.equal(parseAcks(Buffer.alloc(0)).size, 0);
});

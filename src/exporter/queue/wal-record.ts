/**
 * On-disk format of the persistent queue.
 *
 * Segment file `wal-<16-digit sequence>.log`: the 8-byte magic `OTLPWAL1`, then records:
 *
 *   u32 BE  payload length
 *   u32 BE  CRC-32 of the payload
 *   payload: u8 version (1) | u8 signal (0 traces, 1 logs, 2 metrics) | f64 BE enqueuedAt (epoch ms)
 *            | u32 BE headers length | headers (JSON object, UTF-8) | body (protobuf request)
 *
 * A record whose length runs past the end of the file, or whose CRC does not match, ends the
 * readable part of a segment: a write torn by a crash, or damage. Records are never appended
 * after such a tail, so nothing valid is lost behind it except after real media damage.
 *
 * Ack file `wal-<sequence>.ack`: 8-byte entries `u32 BE offset | u32 BE CRC` naming delivered
 * records of the segment. Carrying the CRC makes a torn or zeroed entry harmless: it acks a
 * record only if both offset and CRC match one.
 */
import { allSignals, type Signal } from '../../otlp/signal.js';
import { crc32 } from './crc32.js';
import type { QueueEntry } from './delivery-queue.js';

export const SEGMENT_MAGIC = Buffer.from('OTLPWAL1', 'latin1');
export const RECORD_HEADER_BYTES = 8;
export const ACK_ENTRY_BYTES = 8;
const VERSION = 1;
const META_BYTES = 1 + 1 + 8 + 4;

export interface EncodedRecord {
  /** Header, metadata and headers in one buffer, then the body itself (written with writev, not copied). */
  readonly chunks: readonly Buffer[];
  /** Bytes on disk, header included. */
  readonly length: number;
  readonly crc: number;
}

export function encodeRecord(entry: QueueEntry): EncodedRecord {
  const headers = Buffer.from(JSON.stringify(entry.headers), 'utf8');
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES + META_BYTES + headers.length);
  let at = RECORD_HEADER_BYTES;
  at = head.writeUInt8(VERSION, at);
  at = head.writeUInt8(allSignals.indexOf(entry.signal), at);
  at = head.writeDoubleBE(entry.enqueuedAt, at);
  at = head.writeUInt32BE(headers.length, at);
  headers.copy(head, at);
  const payloadLength = head.length - RECORD_HEADER_BYTES + entry.body.length;
  const crc = crc32(entry.body, crc32(head.subarray(RECORD_HEADER_BYTES)));
  head.writeUInt32BE(payloadLength, 0);
  head.writeUInt32BE(crc, 4);
  return { chunks: [head, entry.body], length: RECORD_HEADER_BYTES + payloadLength, crc };
}

/** Decodes a whole record (header included) whose CRC was checked; throws on anything unexpected. */
export function decodeRecord(record: Buffer): QueueEntry {
  const payload = record.subarray(RECORD_HEADER_BYTES);
  if (payload.length < META_BYTES || payload[0] !== VERSION) throw new Error(`unknown record version ${payload[0]}`);
  const signal: Signal | undefined = allSignals[payload[1]];
  if (signal === undefined) throw new Error(`unknown signal ${payload[1]}`);
  const enqueuedAt = payload.readDoubleBE(2);
  const headersEnd = META_BYTES + payload.readUInt32BE(10);
  if (headersEnd > payload.length) throw new Error('headers run past the record');
  const headers = JSON.parse(payload.toString('utf8', META_BYTES, headersEnd)) as unknown;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw new Error('headers are not an object');
  for (const value of Object.values(headers)) if (typeof value !== 'string') throw new Error('a header value is not a string');
  return { signal, headers: headers as Record<string, string>, body: payload.subarray(headersEnd), enqueuedAt };
}

/** The checked header of the record at `offset`, or undefined when it is torn or damaged. */
export function checkRecord(data: Buffer, offset: number): { length: number; crc: number } | undefined {
  if (data.length - offset < RECORD_HEADER_BYTES) return undefined;
  const payloadLength = data.readUInt32BE(offset);
  const length = RECORD_HEADER_BYTES + payloadLength;
  if (length > data.length - offset) return undefined;
  const crc = data.readUInt32BE(offset + 4);
  if (crc32(data.subarray(offset + RECORD_HEADER_BYTES, offset + length)) !== crc) return undefined;
  return { length, crc };
}

export interface ScannedRecord {
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
}

export interface SegmentScan {
  readonly records: ScannedRecord[];
  /** End of the last good record: where a torn or damaged tail starts. */
  readonly validEnd: number;
}

/** Walks a whole segment file; undefined when it does not start with the magic. */
export function scanSegment(data: Buffer): SegmentScan | undefined {
  if (data.length < SEGMENT_MAGIC.length || !data.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) return undefined;
  const records: ScannedRecord[] = [];
  let offset = SEGMENT_MAGIC.length;
  for (;;) {
    const record = checkRecord(data, offset);
    if (record === undefined) break;
    records.push({ offset, ...record });
    offset += record.length;
  }
  return { records, validEnd: offset };
}

export function encodeAck(offset: number, crc: number): Buffer {
  const entry = Buffer.allocUnsafe(ACK_ENTRY_BYTES);
  entry.writeUInt32BE(offset, 0);
  entry.writeUInt32BE(crc, 4);
  return entry;
}

/** Offset → CRC of every whole entry; a torn last entry is ignored. */
export function parseAcks(data: Buffer): Map<number, number> {
  const acks = new Map<number, number>();
  for (let at = 0; at + ACK_ENTRY_BYTES <= data.length; at += ACK_ENTRY_BYTES) {
    acks.set(data.readUInt32BE(at), data.readUInt32BE(at + 4));
  }
  return acks;
}

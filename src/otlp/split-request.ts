/**
 * Splits an Export*ServiceRequest that is larger than an upstream accepts into requests that fit,
 * at the wire level: along Resource* entries first, then along scope containers, then along
 * single items (spans, log records, metrics). The fields around what is split (the resource,
 * the scope, schema URLs, unknown fields) are repeated in every piece; nothing is decoded and
 * every item keeps its bytes. An item that alone is over the limit cannot be sent: it is left
 * out and counted, so that the caller can report it as a permanent rejection.
 */
import { ErrorCode, TaggerError } from '../errors.js';
import { inspectRequest } from './inspect-request.js';
import type { Signal } from './signal.js';
import { createCursor, readLength, readTag, skipField } from './wire-reader.js';
import { tagSize, varintSize, writeTag, writeVarint } from './wire-writer.js';

/** Bytes that make up a message's content (or one whole field), as slices of the input. */
interface Piece {
  readonly slices: Uint8Array[];
  readonly size: number;
}

interface Field {
  readonly fieldNumber: number;
  readonly start: number;
  readonly end: number;
  /** Where a LEN field's payload starts; -1 for other wire types. */
  readonly contentStart: number;
}

export interface SplitResult {
  /** Requests that each fit the limit, in the input's order. */
  readonly parts: Buffer[];
  /** Items (spans, log records, metric data points) left out because one alone is over the limit. */
  readonly rejectedItems: number;
  /** Item fields left out (for metrics, Metric messages, whatever their data points). */
  readonly rejectedFields: number;
}

/** Which fields hold what can be split, per level: envelope → Resource* → scope container → item. */
const splittable: readonly (readonly number[])[] = [[1], [2, 1000], [2], []];

function scan(buf: Uint8Array, start: number, end: number): Field[] {
  const c = createCursor(buf, start);
  const fields: Field[] = [];
  while (c.pos < end) {
    const at = c.pos;
    const tag = readTag(c, end, 'a request being split');
    let contentStart = -1;
    if ((tag & 7) === 2) {
      const length = readLength(c, end, 'a request being split');
      contentStart = c.pos;
      c.pos += length;
    } else {
      skipField(c, tag, end, 'a request being split');
    }
    fields.push({ fieldNumber: tag >>> 3, start: at, end: c.pos, contentStart });
  }
  return fields;
}

/** The largest payload whose whole LEN field fits in `budget` bytes. */
function maxPayload(fieldNumber: number, budget: number): number {
  let payload = budget - tagSize(fieldNumber) - varintSize(budget);
  while (payload >= 0 && tagSize(fieldNumber) + varintSize(payload + 1) + payload + 1 <= budget) payload++;
  return payload;
}

function wrap(fieldNumber: number, content: Piece): Piece {
  const prefix = new Uint8Array(tagSize(fieldNumber) + varintSize(content.size));
  writeVarint(prefix, writeTag(prefix, 0, fieldNumber, 2), content.size);
  return { slices: [prefix, ...content.slices], size: prefix.length + content.size };
}

class Splitter {
  rejectedItems = 0;
  rejectedFields = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly signal: Signal,
  ) {}

  /** Splits the content of a message at `level` into contents of at most `limit` bytes. */
  split(start: number, end: number, level: number, limit: number): Piece[] {
    const fields = scan(this.buf, start, end);
    const header: Uint8Array[] = [];
    let headerSize = 0;
    const children: Field[] = [];
    for (const f of fields) {
      if (f.contentStart >= 0 && splittable[level].includes(f.fieldNumber)) children.push(f);
      else {
        header.push(this.buf.subarray(f.start, f.end));
        headerSize += f.end - f.start;
      }
    }
    // Without children, the header is all there is: it alone decides whether this part fits.
    const budget = limit - headerSize;
    if (budget <= 0) {
      throw new TaggerError(
        ErrorCode.TOO_LARGE,
        `cannot split the request to fit ${limit} bytes: a part that cannot be divided is ${end - start} bytes`,
      );
    }
    const pieces: Piece[] = [];
    for (const child of children) {
      const size = child.end - child.start;
      if (size <= budget) {
        pieces.push({ slices: [this.buf.subarray(child.start, child.end)], size });
      } else if (level + 1 < splittable.length - 1) {
        const inner = this.split(child.contentStart, child.end, level + 1, maxPayload(child.fieldNumber, budget));
        for (const content of inner) pieces.push(wrap(child.fieldNumber, content));
      } else {
        this.rejectedFields++;
        this.rejectedItems += this.countItems(child);
      }
    }
    return this.pack(header, headerSize, pieces, limit);
  }

  private pack(header: Uint8Array[], headerSize: number, pieces: Piece[], limit: number): Piece[] {
    const out: Piece[] = [];
    let slices: Uint8Array[] = [];
    let size = 0;
    for (const piece of pieces) {
      if (size > 0 && headerSize + size + piece.size > limit) {
        out.push({ slices: [...header, ...slices], size: headerSize + size });
        slices = [];
        size = 0;
      }
      slices.push(...piece.slices);
      size += piece.size;
    }
    if (size > 0) out.push({ slices: [...header, ...slices], size: headerSize + size });
    return out;
  }

  /** Items in one item field (a span, a log record, or a metric's data points). */
  private countItems(item: Field): number {
    if (this.signal !== 'metrics') return 1;
    // Wrap the metric as a one-metric request and let the inspector count its data points.
    const metric: Piece = { slices: [this.buf.subarray(item.start, item.end)], size: item.end - item.start };
    const request = wrap(1, wrap(2, metric));
    return inspectRequest('metrics', Buffer.concat(request.slices, request.size)).items;
  }
}

/**
 * Splits `request` (already validated) into requests of at most `maxBytes` each. A request that
 * fits is returned as is, uncopied.
 */
export function splitRequest(signal: Signal, request: Uint8Array, maxBytes: number): SplitResult {
  const buffer = Buffer.isBuffer(request) ? request : Buffer.from(request.buffer, request.byteOffset, request.length);
  if (request.length <= maxBytes) return { parts: [buffer], rejectedItems: 0, rejectedFields: 0 };
  const splitter = new Splitter(request, signal);
  const contents = splitter.split(0, request.length, 0, maxBytes);
  return {
    parts: contents.map((piece) => Buffer.concat(piece.slices, piece.size)),
    rejectedItems: splitter.rejectedItems,
    rejectedFields: splitter.rejectedFields,
  };
}

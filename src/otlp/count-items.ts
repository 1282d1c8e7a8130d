/**
 * Counts the items (spans, log records, metric data points) of an export request for metrics,
 * without validating it: only the few envelope levels above the items are entered, and each
 * item is skipped by its length prefix. The cost grows with the number of items and envelopes,
 * not with their size, unlike src/otlp/inspect-request.ts, which the processor already runs once
 * per request to validate it: for 100 spans, about 0.5 µs here against 9 µs (15 kB of spans)
 * to 36 µs (78 kB) there.
 */
import type { Signal } from './signal.js';
import { messageSpec, requestMessage, type FieldSpec } from './otlp-schema.js';
import { readLength, readTag, skipField, WireType, type WireCursor } from './wire-reader.js';

/** The fields of one envelope level that lead to items, by field number (all below 16 in OTLP). */
interface Level {
  /** PASS for fields not on the way, ITEM when each occurrence is one item, DOWN for a level below. */
  readonly kinds: Uint8Array;
  readonly below: Level[];
}
const PASS = 0;
const ITEM = 1;
const DOWN = 2;

function createLevel(): Level {
  return { kinds: new Uint8Array(16), below: [] };
}

/** The message fields leading from a request down to its items, by proto name. */
const itemPaths: Readonly<Record<Signal, readonly (readonly string[])[]>> = {
  traces: [['resource_spans', 'scope_spans', 'spans']],
  logs: [['resource_logs', 'scope_logs', 'log_records']],
  metrics: ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'].map((data) => [
    'resource_metrics',
    'scope_metrics',
    'metrics',
    data,
    'data_points',
  ]),
};

function compile(signal: Signal): Level {
  const root = createLevel();
  for (const path of itemPaths[signal]) {
    let level = root;
    let message: string = requestMessage[signal];
    path.forEach((protoName, i) => {
      // Every name in itemPaths is a message field of the schema; the tests walk every path.
      const field = messageSpec(message).fields.find((f) => f.protoName === protoName) as FieldSpec;
      message = field.message as string;
      if (i === path.length - 1) {
        level.kinds[field.no] = ITEM;
        return;
      }
      if (level.kinds[field.no] !== DOWN) {
        level.kinds[field.no] = DOWN;
        level.below[field.no] = createLevel();
      }
      level = level.below[field.no];
    });
  }
  return root;
}

const roots: Readonly<Record<Signal, Level>> = {
  traces: compile('traces'),
  logs: compile('logs'),
  metrics: compile('metrics'),
};

function count(level: Level, c: WireCursor, end: number): number {
  const buf = c.buf;
  let items = 0;
  let pos = c.pos;
  while (pos < end) {
    let tag = buf[pos];
    // One-byte tags and lengths are the rule; anything else goes through wire-reader.
    if (tag < 0x80) {
      pos++;
    } else {
      c.pos = pos;
      tag = readTag(c, end, 'request');
      pos = c.pos;
    }
    const no = tag >>> 3;
    const kind = no < level.kinds.length ? level.kinds[no] : PASS;
    if (kind === PASS || (tag & 7) !== WireType.LEN) {
      c.pos = pos;
      skipField(c, tag, end, 'request');
      pos = c.pos;
      continue;
    }
    let length = pos < end ? buf[pos] : 0x80;
    if (length < 0x80) {
      pos++;
    } else if (pos + 1 < end && buf[pos + 1] < 0x80) {
      length = (length & 0x7f) | (buf[pos + 1] << 7);
      pos += 2;
    } else {
      c.pos = pos;
      length = readLength(c, end, 'request');
      pos = c.pos;
    }
    const next = pos + length;
    if (next > end) throw new RangeError('truncated');
    if (kind === ITEM) {
      items++;
    } else {
      c.pos = pos;
      items += count(level.below[no], c, next);
    }
    pos = next;
  }
  c.pos = pos;
  return items;
}

/**
 * The items of a request, or 0 when its envelope cannot be read (such a request is refused by
 * the processor's validation, and how many items it meant to carry is unknowable).
 */
export function countItems(signal: Signal, body: Uint8Array): number {
  try {
    return count(roots[signal], { buf: body, pos: 0 }, body.length);
  } catch {
    return 0;
  }
}

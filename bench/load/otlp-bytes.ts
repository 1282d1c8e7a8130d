/**
 * Just enough protobuf for the load harness: a writer that builds ExportTraceServiceRequest
 * bodies of the two span shapes (no protobufjs in the generator, so that it starts fast and
 * stays lean), the gRPC length prefix, and a span counter for the sink that walks only
 * request → ResourceSpans → ScopeSpans → spans and skips everything else by wire type.
 *
 * Field numbers: opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto.
 */
export type SpanShape = 'testbed' | 'realistic';
export const spanShapes: readonly SpanShape[] = ['testbed', 'realistic'];

class Writer {
  private buf = Buffer.alloc(1024);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  varint(value: number | bigint): this {
    let v = BigInt(value);
    this.room(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, write: (w: Writer) => void): this {
    const inner = new Writer();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  fixed64(field: number, value: bigint): this {
    this.tag(field, 1);
    this.room(8);
    this.buf.writeBigUInt64LE(value, this.pos);
    this.pos += 8;
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function id(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  let x = (seed * 2654435761 + bytes * 40503) >>> 0;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A KeyValue in field 9 (Span.attributes) or, with `field` 1, Resource.attributes. */
function stringAttr(w: Writer, key: string, value: string, field = 9): void {
  w.message(field, (kv) => kv.string(1, key).message(2, (v) => v.string(1, value)));
}

function intAttr(w: Writer, key: string, value: number): void {
  w.message(9, (kv) => kv.string(1, key).message(2, (v) => v.tag(3, 0).varint(value)));
}

/** The Collector testbed's span (testbed/testbed/data_providers.go): about 150 bytes. */
function testbedSpan(w: Writer, i: number, seed: number): void {
  const start = 1_700_000_000_000_000_000n + BigInt(seed) * 1_000_000n + BigInt(i) * 1000n;
  w.bytes(1, id(16, seed + (i >> 3)))
    .bytes(2, id(8, seed * 131 + i))
    .string(5, `load-generator-span${seed * 100 + i}`)
    .tag(6, 0)
    .varint(3)
    .fixed64(7, start)
    .fixed64(8, start + 1_000_000n);
  intAttr(w, 'load_generator.span_seq_num', seed * 100 + i);
  intAttr(w, 'load_generator.trace_seq_num', (seed * 100 + i) >> 3);
}

/** An instrumented HTTP server span with 10 string attributes and a trace state: about 780 bytes. */
function realisticSpan(w: Writer, i: number, seed: number): void {
  const n = seed * 1000 + i;
  const start = 1_700_000_000_000_000_000n + BigInt(n) * 1000n;
  w.bytes(1, id(16, seed + (i >> 4)))
    .bytes(2, id(8, n))
    .string(3, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')
    .bytes(4, id(8, n + 1))
    .string(5, 'GET /api/v1/orders/{orderId}')
    .tag(6, 0)
    .varint(2)
    .fixed64(7, start)
    .fixed64(8, start + 250_000n);
  stringAttr(w, 'http.request.method', 'GET');
  stringAttr(w, 'url.full', `https://shop.example.com/api/v1/orders/${100000 + (n % 900000)}?expand=items,customer,shipping.address&currency=EUR&locale=en-GB&page=1`);
  stringAttr(w, 'url.path', `/api/v1/orders/${100000 + (n % 900000)}`);
  stringAttr(w, 'http.route', '/api/v1/orders/{orderId}');
  stringAttr(w, 'server.address', 'orders-api.prod.eu-west-1.shop.example.com');
  stringAttr(w, 'user_agent.original', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36 Edg/120.0.2210.77');
  stringAttr(w, 'client.address', `10.${n % 256}.${(n >> 8) % 256}.17`);
  stringAttr(w, 'network.protocol.version', '1.1');
  stringAttr(w, 'http.response.status_code', '200');
  stringAttr(w, 'enduser.id', `customer-${(n * 7919) % 100000}-${id(4, n).toString('hex')}-${id(6, n + 3).toString('hex')}-${id(8, n + 5).toString('hex')}`);
  w.message(15, (s) => s.tag(3, 0).varint(1));
}

/** One ResourceSpans with one ScopeSpans holding `spans` spans of the shape. */
export function buildTraceRequest(shape: SpanShape, spans: number, seed = 1): Buffer {
  const span = shape === 'testbed' ? testbedSpan : realisticSpan;
  return new Writer()
    .message(1, (rs) => {
      rs.message(1, (resource) => {
        stringAttr(resource, 'service.name', 'checkout', 1);
        stringAttr(resource, 'host.name', 'node-1.eu-west-1.compute.internal', 1);
      });
      rs.message(2, (ss) => {
        ss.message(1, (scope) => scope.string(1, '@opentelemetry/instrumentation-http').string(2, '0.57.0'));
        for (let i = 0; i < spans; i++) ss.message(2, (s) => span(s, i, seed));
      });
    })
    .finish();
}

/** A request of the shape with as many spans as fit in `maxBytes`. */
export function buildTraceRequestOfSize(shape: SpanShape, maxBytes: number): { body: Buffer; spans: number } {
  const perSpan = buildTraceRequest(shape, 101).length - buildTraceRequest(shape, 100).length;
  let spans = Math.max(1, Math.floor(maxBytes / perSpan));
  let body = buildTraceRequest(shape, spans);
  while (body.length > maxBytes && spans > 1) body = buildTraceRequest(shape, --spans);
  return { body, spans };
}

/** The 5-byte gRPC length prefix + message (grpc doc/PROTOCOL-HTTP2.md "Length-Prefixed-Message"). */
export function grpcFrame(message: Uint8Array, compressed = false): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

function readVarint(buf: Uint8Array, c: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (c.pos >= buf.length) throw new Error('truncated varint');
    const b = buf[c.pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** Calls `onField(field, start, end)` for every LEN field of the message in [start, end). */
function eachLenField(buf: Uint8Array, start: number, end: number, onField: (field: number, from: number, to: number) => void): void {
  const c = { pos: start };
  while (c.pos < end) {
    const tag = readVarint(buf, c);
    const wireType = tag & 7;
    if (wireType === 0) readVarint(buf, c);
    else if (wireType === 1) c.pos += 8;
    else if (wireType === 5) c.pos += 4;
    else if (wireType === 2) {
      const length = readVarint(buf, c);
      const from = c.pos;
      c.pos += length;
      if (c.pos > end) throw new Error('truncated field');
      onField(tag >>> 3, from, c.pos);
    } else throw new Error(`unsupported wire type ${wireType}`);
  }
}

/** Spans in an ExportTraceServiceRequest. */
export function countSpans(body: Uint8Array): number {
  let spans = 0;
  eachLenField(body, 0, body.length, (f1, a, b) => {
    if (f1 !== 1) return;
    eachLenField(body, a, b, (f2, c, d) => {
      if (f2 !== 2) return;
      eachLenField(body, c, d, (f3) => {
        if (f3 === 2) spans++;
      });
    });
  });
  return spans;
}

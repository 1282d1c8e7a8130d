/**
 * The upstream of every benchmark run, a process of its own: an OTLP trace sink on
 * node:http2 (gRPC: a minimal unary server that reads the length-prefixed frames and answers an
 * empty OK) and on node:http (POST /v1/traces → 200, empty ExportTraceServiceResponse).
 * It counts requests, bytes (as received on the wire) and spans (a cheap wire walk, after
 * gunzip when the request was compressed), and answers the harness over IPC:
 *
 *   harness → sink   { type: 'counts' } | { type: 'reset' }
 *   sink → harness   { type: 'ready', grpcPort, httpPort } | { type: 'counts', ...SinkCounts }
 *
 * It exits when the harness goes away.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { countSpans } from './otlp-bytes.js';

export interface SinkCounts {
  readonly requests: number;
  readonly spans: number;
  readonly bytes: number;
  /** Requests the sink could not read (bad frame, bad gzip, bad protobuf): answered with an error. */
  readonly errors: number;
  readonly firstError?: string;
}

export type SinkMessage =
  | { readonly type: 'ready'; readonly grpcPort: number; readonly httpPort: number }
  | ({ readonly type: 'counts' } & SinkCounts);

export type SinkCommand = { readonly type: 'counts' } | { readonly type: 'reset' };

const WINDOW = 16 * 1024 * 1024;
const EMPTY_GRPC_MESSAGE = Buffer.alloc(5);

let counts = { requests: 0, spans: 0, bytes: 0, errors: 0, firstError: undefined as string | undefined };

function fail(message: string): void {
  counts.errors++;
  counts.firstError ??= message;
}

/** Spans in a gRPC body: one or more length-prefixed messages. */
function grpcSpans(body: Buffer): number {
  let spans = 0;
  let pos = 0;
  while (pos < body.length) {
    if (pos + 5 > body.length) throw new Error('truncated gRPC frame header');
    const length = body.readUInt32BE(pos + 1);
    const message = body.subarray(pos + 5, pos + 5 + length);
    if (message.length !== length) throw new Error('truncated gRPC message');
    spans += countSpans(body[pos] === 1 ? zlib.gunzipSync(message) : message);
    pos += 5 + length;
  }
  return spans;
}

function startGrpc(): Promise<number> {
  const server = http2.createServer({ settings: { initialWindowSize: WINDOW }, maxSessionMemory: 512 });
  server.on('session', (session) => session.setLocalWindowSize(WINDOW));
  server.on('sessionError', () => {});
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('error', () => {});
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      let status = '0';
      let message: string | undefined;
      counts.requests++;
      counts.bytes += body.length;
      try {
        if (!String(headers[':path']).endsWith('/Export')) throw new Error(`unexpected path ${headers[':path']}`);
        counts.spans += grpcSpans(body);
      } catch (err) {
        fail((err as Error).message);
        status = '13';
        message = (err as Error).message;
      }
      if (stream.closed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(message === undefined ? { 'grpc-status': status } : { 'grpc-status': status, 'grpc-message': encodeURIComponent(message) }));
      stream.end(status === '0' ? EMPTY_GRPC_MESSAGE : undefined);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function startHttp(): Promise<number> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      counts.bytes += body.length;
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
        counts.spans += countSpans(req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body);
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
        res.end();
      } catch (err) {
        fail((err as Error).message);
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end((err as Error).message);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function send(message: SinkMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: SinkCommand) => {
    if (command.type === 'reset') counts = { requests: 0, spans: 0, bytes: 0, errors: 0, firstError: undefined };
    else send({ type: 'counts', ...counts });
  });
  const [grpcPort, httpPort] = await Promise.all([startGrpc(), startHttp()]);
  send({ type: 'ready', grpcPort, httpPort });
}

if (process.send !== undefined) await main();
else process.stderr.write('sink: start me with child_process.fork (IPC)\n');

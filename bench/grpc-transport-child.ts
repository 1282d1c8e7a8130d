/**
 * The processes of the gRPC transport benchmark (bench/grpc-transport.ts forks this file):
 *
 *   sink   an upstream that answers every TraceService/Export with an empty OK (node:http2 transport)
 *   hop    the OTLP gRPC receiver → gRPC exporter pass-through, on the chosen server and client transports
 *          (or `floor`: a bare node:http2 pass-through); on request it reports its CPU time
 *          (process.cpuUsage) and requests served, over IPC
 *   load   N concurrent unary calls in a loop against the hop, each with the same request
 *
 * Every process says `{ ready, port? }` on IPC once started, and exits when its parent goes.
 */
import { setMaxListeners } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ExportRequest } from '../src/consumer.js';
import { createGrpcExporter } from '../src/exporter/grpc-exporter.js';
import type { GrpcClientTransportFactory } from '../src/exporter/grpc-client-transport.js';
import { createGrpcJsClientTransport } from '../src/exporter/grpc-js-client-transport.js';
import { createHttp2GrpcClientTransport } from '../src/exporter/http2-grpc-client-transport.js';
import { silentLogger } from '../src/logger.js';
import { signals } from '../src/otlp/signal.js';
import { createGrpcReceiver } from '../src/receiver/grpc-receiver.js';
import type { GrpcServerTransportFactory } from '../src/receiver/grpc-server-transport.js';
import { createGrpcJsServerTransport } from '../src/receiver/grpc-js-server-transport.js';
import { createHttp2GrpcServerTransport } from '../src/receiver/http2-grpc-server-transport.js';
import { buildTraceRequest, type SpanShape } from './load/otlp-bytes.js';

export type TransportKind = 'grpc-js' | 'http2';
/** A hop on the transports under test, or `floor`: the least a node:http2 pass-through can do (no gRPC checks, no receiver, no exporter). */
export type HopKind = TransportKind | 'floor';
export type { SpanShape };

export type ChildMessage =
  | { readonly kind: 'ready'; readonly port?: number; readonly requestBytes?: number }
  | { readonly kind: 'usage'; readonly cpuMicros: number; readonly requests: number; readonly rssBytes: number }
  | { readonly kind: 'load'; readonly completed: number; readonly failed: number; readonly firstError?: string };

export type ParentMessage = { readonly kind: 'usage' } | { readonly kind: 'stop' };

const TRACES = signals.traces.grpcMethod;
const serverTransports: Record<TransportKind, GrpcServerTransportFactory> = {
  'grpc-js': createGrpcJsServerTransport,
  http2: createHttp2GrpcServerTransport,
};
const clientTransports: Record<TransportKind, GrpcClientTransportFactory> = {
  'grpc-js': createGrpcJsClientTransport,
  http2: createHttp2GrpcClientTransport,
};

function send(message: ChildMessage): void {
  process.send?.(message);
}

function clientOptions(address: string) {
  return {
    address,
    tls: undefined,
    compression: 'none' as const,
    maxSendMessageBytes: 64 * 1024 * 1024,
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    userAgent: 'otlp-tagger-bench',
  };
}

async function runSink(): Promise<void> {
  const empty = Buffer.alloc(0);
  const transport = createHttp2GrpcServerTransport({
    host: '127.0.0.1',
    port: 0,
    maxRecvMsgSizeBytes: 64 * 1024 * 1024,
    routes: new Map([[TRACES, async () => ({ body: empty })]]),
  });
  const { port } = await transport.listen();
  send({ kind: 'ready', port });
}

async function runHop(server: TransportKind, client: TransportKind, upstreamPort: number): Promise<void> {
  const exporter = createGrpcExporter({
    endpoint: `http://127.0.0.1:${upstreamPort}`,
    headers: {},
    compression: 'none',
    timeoutMillis: 0,
    tls: { insecure: true, insecureSkipVerify: false },
    logger: silentLogger,
    createTransport: clientTransports[client],
  });
  let requests = 0;
  const receiver = createGrpcReceiver({
    endpoint: '127.0.0.1:0',
    maxRecvMsgSizeBytes: 64 * 1024 * 1024,
    signals: ['traces'],
    consumer: {
      consume(request: ExportRequest) {
        requests++;
        return exporter.consume(request);
      },
    },
    logger: silentLogger,
    transport: serverTransports[server],
  });
  const endpoint = await receiver.start();
  reportUsageOnRequest(() => requests);
  send({ kind: 'ready', port: Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)) });
}

/** The floor: bytes in, bytes out over node:http2, nothing checked, statuses copied. */
async function runFloorHop(upstreamPort: number): Promise<void> {
  const upstream = http2.connect(`http://127.0.0.1:${upstreamPort}`);
  let requests = 0;
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      requests++;
      const forward = upstream.request({ ':method': 'POST', ':path': headers[':path'], 'content-type': 'application/grpc', te: 'trailers' });
      const answer: Buffer[] = [];
      let status = '14';
      forward.on('data', (chunk: Buffer) => answer.push(chunk));
      forward.on('trailers', (trailers) => (status = String(trailers['grpc-status'])));
      forward.on('close', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status }));
        stream.end(Buffer.concat(answer));
      });
      forward.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  reportUsageOnRequest(() => requests);
  send({ kind: 'ready', port: (server.address() as AddressInfo).port });
}

function reportUsageOnRequest(requests: () => number): void {
  process.on('message', (message: ParentMessage) => {
    if (message.kind !== 'usage') return;
    const { user, system } = process.cpuUsage();
    send({ kind: 'usage', cpuMicros: user + system, requests: requests(), rssBytes: process.memoryUsage.rss() });
  });
}

async function runLoad(client: TransportKind, port: number, concurrency: number, shape: SpanShape, spans: number): Promise<void> {
  const body = buildTraceRequest(shape, spans);
  const transport = clientTransports[client](clientOptions(`127.0.0.1:${port}`));
  const signal = new AbortController().signal;
  setMaxListeners(concurrency + 1, signal);
  let running = true;
  let completed = 0;
  let failed = 0;
  let firstError: string | undefined;
  const loop = async (): Promise<void> => {
    while (running) {
      const result = await transport.unary(TRACES, body, { metadata: {}, deadline: undefined, abortSignal: signal });
      if ('body' in result) completed++;
      else {
        failed++;
        firstError ??= `${result.code} ${result.message}`;
      }
    }
  };
  process.on('message', (message: ParentMessage) => {
    if (message.kind !== 'stop') return;
    running = false;
    send({ kind: 'load', completed, failed, firstError });
  });
  const loops = Array.from({ length: concurrency }, loop);
  send({ kind: 'ready', requestBytes: body.length });
  await Promise.all(loops);
  transport.close();
}

async function main(argv: readonly string[]): Promise<void> {
  // The parent owns these processes: when it goes, so do they.
  process.on('disconnect', () => process.exit(0));
  const [role, ...args] = argv;
  if (role === 'sink') await runSink();
  else if (role === 'hop' && args[0] === 'floor') await runFloorHop(Number(args[2]));
  else if (role === 'hop') await runHop(args[0] as TransportKind, args[1] as TransportKind, Number(args[2]));
  else if (role === 'load') await runLoad(args[0] as TransportKind, Number(args[1]), Number(args[2]), args[3] as SpanShape, Number(args[4]));
  else throw new Error(`unknown role ${role}`);
}

if (process.send !== undefined) await main(process.argv.slice(2));

/**
 * The load generator, a process of its own: OTLP/gRPC over node:http2 (a lean unary client, so
 * that the generator costs little next to the hop) or OTLP/HTTP protobuf over node:http.
 *
 *   open loop (--rate R > 0): R requests/s on a fixed schedule whatever the answers, at most
 *     --concurrency in flight (a request due beyond that is not sent and counts as dropped);
 *     latency is measured from the scheduled time, so a stalled hop cannot hide its queueing
 *     (no coordinated omission).
 *   closed loop (--rate 0): --concurrency requests always in flight, each sent when one ends.
 *
 * Request bodies are built once at startup (otlp-bytes.ts) and gzipped once if asked. Requests
 * go round-robin over --connections connections. After --warmup seconds it writes
 * `{"event":"measure-start"}`, after --duration more `{"event":"measure-end"}`, stops sending,
 * waits for what is in flight, and writes the result: one JSON line (`GeneratorResult`).
 */
import http from 'node:http';
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { buildTraceRequest, buildTraceRequestOfSize, grpcFrame, type SpanShape } from './otlp-bytes.js';

export interface GeneratorOptions {
  readonly protocol: 'grpc' | 'http';
  readonly port: number;
  readonly shape: SpanShape;
  /** Spans per request; ignored when `bytes` is set. */
  readonly spans: number;
  /** Build the largest request of the shape not above this many bytes instead. */
  readonly bytes?: number;
  readonly gzip: boolean;
  /** Requests per second; 0 = closed loop. */
  readonly rate: number;
  readonly concurrency: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface GeneratorResult {
  readonly event: 'result';
  readonly spansPerRequest: number;
  /** Uncompressed protobuf bytes of one request. */
  readonly requestBytes: number;
  /** Bytes of one request on the wire (gzipped if asked). */
  readonly wireBytes: number;
  /** Requests sent, warm-up included. */
  readonly requests: number;
  /** Spans in the requests sent: what the sink should have received. */
  readonly sentSpans: number;
  readonly ok: number;
  readonly failed: number;
  /** Open loop: requests not sent because --concurrency were already in flight. */
  readonly dropped: number;
  readonly firstError?: string;
  /** The measured window: completions in it, and latency of requests scheduled in it (ms). */
  readonly window: { readonly seconds: number; readonly completedOk: number; readonly spans: number; readonly wireBytes: number };
  readonly latency: LatencySummary;
  /** The generator's own CPU in the window, % of one core: near 100 means it was the limit. */
  readonly genCpuPercent: number;
}

export function generatorArgs(o: GeneratorOptions): string[] {
  const args = ['--protocol', o.protocol, '--port', String(o.port), '--shape', o.shape, '--spans', String(o.spans)];
  if (o.bytes !== undefined) args.push('--bytes', String(o.bytes));
  args.push('--gzip', o.gzip ? '1' : '0', '--rate', String(o.rate), '--concurrency', String(o.concurrency));
  args.push('--connections', String(o.connections), '--warmup', String(o.warmupSeconds), '--duration', String(o.durationSeconds));
  return args;
}

function parseArgs(argv: readonly string[]): GeneratorOptions {
  const v = new Map<string, string>();
  for (let i = 0; i + 1 < argv.length; i += 2) v.set(argv[i].replace(/^--/, ''), argv[i + 1]);
  const num = (key: string, otherwise: number) => (v.has(key) ? Number(v.get(key)) : otherwise);
  return {
    protocol: v.get('protocol') === 'http' ? 'http' : 'grpc',
    port: num('port', 0),
    shape: v.get('shape') === 'realistic' ? 'realistic' : 'testbed',
    spans: num('spans', 100),
    bytes: v.has('bytes') ? num('bytes', 0) : undefined,
    gzip: v.get('gzip') === '1',
    rate: num('rate', 0),
    concurrency: num('concurrency', 16),
    connections: num('connections', 1),
    warmupSeconds: num('warmup', 2),
    durationSeconds: num('duration', 5),
  };
}

const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const WINDOW = 16 * 1024 * 1024;

type Send = (done: (error: string | undefined) => void) => void;

function grpcSender(o: GeneratorOptions, message: Buffer): { send: Send; ready: Promise<void>; close: () => void } {
  const frame = o.gzip ? grpcFrame(zlib.gzipSync(message), true) : grpcFrame(message);
  const sessions = Array.from({ length: o.connections }, () =>
    http2.connect(`http://127.0.0.1:${o.port}`, { settings: { initialWindowSize: WINDOW }, maxSessionMemory: 512 }),
  );
  const ready = Promise.all(
    sessions.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          s.once('connect', () => {
            s.setLocalWindowSize(WINDOW);
            resolve();
          });
          s.once('error', reject);
        }),
    ),
  ).then(() => {
    for (const s of sessions) s.on('error', () => {});
  });
  let next = 0;
  const send: Send = (done) => {
    const session = sessions[next++ % sessions.length];
    const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': TRACE_EXPORT, 'content-type': 'application/grpc', te: 'trailers' };
    if (o.gzip) headers['grpc-encoding'] = 'gzip';
    let status: string | undefined;
    let error: string | undefined;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers);
    } catch (err) {
      done((err as Error).message);
      return;
    }
    stream.on('response', (h) => {
      // Trailers-Only: the status comes with the headers.
      if (h['grpc-status'] !== undefined) {
        status = String(h['grpc-status']);
        if (status !== '0') error ??= `grpc-status ${status} ${decodeURIComponent(String(h['grpc-message'] ?? ''))}`;
      }
      if (h[':status'] !== 200) error ??= `HTTP ${h[':status']}`;
    });
    stream.on('trailers', (t) => {
      status = String(t['grpc-status']);
      if (status !== '0') error ??= `grpc-status ${status} ${decodeURIComponent(String(t['grpc-message'] ?? ''))}`;
    });
    stream.on('data', () => {});
    stream.on('error', (err) => (error ??= err.message));
    stream.on('close', () => done(status === '0' && error === undefined ? undefined : (error ?? `grpc-status ${status ?? 'missing'}`)));
    stream.end(frame);
  };
  return { send, ready, close: () => sessions.forEach((s) => s.destroy()) };
}

function httpSender(o: GeneratorOptions, message: Buffer): { send: Send; ready: Promise<void>; close: () => void } {
  const body = o.gzip ? zlib.gzipSync(message) : message;
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/x-protobuf', 'content-length': body.length };
  if (o.gzip) headers['content-encoding'] = 'gzip';
  const send: Send = (done) => {
    const req = http.request({ agent, host: '127.0.0.1', port: o.port, method: 'POST', path: '/v1/traces', headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => done(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
      res.on('error', (err) => done(err.message));
    });
    req.on('error', (err) => done(err.message));
    req.end(body);
  };
  return { send, ready: Promise.resolve(), close: () => agent.destroy() };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function write(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function run(o: GeneratorOptions): Promise<GeneratorResult> {
  const built = o.bytes !== undefined ? buildTraceRequestOfSize(o.shape, o.bytes) : { body: buildTraceRequest(o.shape, o.spans), spans: o.spans };
  const message = built.body;
  const wireBytes = o.gzip ? zlib.gzipSync(message).length : message.length;
  const sender = o.protocol === 'grpc' ? grpcSender(o, message) : httpSender(o, message);
  await sender.ready;
  write({ event: 'ready', requestBytes: message.length, wireBytes, spansPerRequest: built.spans });

  let running = true;
  let measuring = false;
  let windowStart = 0;
  let windowEnd = Number.POSITIVE_INFINITY;
  let requests = 0;
  let ok = 0;
  let failed = 0;
  let dropped = 0;
  let inFlight = 0;
  let completedOkInWindow = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  let drained: (() => void) | undefined;

  const fire = (scheduledAt: number): void => {
    requests++;
    inFlight++;
    sender.send((error) => {
      inFlight--;
      const now = performance.now();
      if (error === undefined) {
        ok++;
        if (now >= windowStart && now < windowEnd && measuring) completedOkInWindow++;
      } else {
        failed++;
        firstError ??= error;
      }
      if (scheduledAt >= windowStart && scheduledAt < windowEnd && windowStart > 0) latencies.push(now - scheduledAt);
      if (running && o.rate === 0) fire(performance.now());
      else if (!running && inFlight === 0) drained?.();
    });
  };

  const start = performance.now();
  if (o.rate > 0) {
    const interval = 1000 / o.rate;
    let i = 0;
    const tick = (): void => {
      const now = performance.now();
      while (running && start + i * interval <= now) {
        const at = start + i * interval;
        i++;
        if (inFlight >= o.concurrency) {
          dropped++;
          firstError ??= `more than ${o.concurrency} requests in flight`;
        } else fire(at);
      }
      if (running) setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    tick();
  } else {
    for (let c = 0; c < o.concurrency; c++) fire(performance.now());
  }

  await new Promise((resolve) => setTimeout(resolve, o.warmupSeconds * 1000));
  const cpuBefore = process.cpuUsage();
  windowStart = performance.now();
  measuring = true;
  write({ event: 'measure-start' });
  await new Promise((resolve) => setTimeout(resolve, o.durationSeconds * 1000));
  windowEnd = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  write({ event: 'measure-end' });
  running = false;
  if (inFlight > 0) {
    await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }
  sender.close();
  const seconds = (windowEnd - windowStart) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    event: 'result',
    spansPerRequest: built.spans,
    requestBytes: message.length,
    wireBytes,
    requests,
    sentSpans: requests * built.spans,
    ok,
    failed: failed + (inFlight > 0 ? inFlight : 0),
    dropped,
    firstError: inFlight > 0 ? (firstError ?? `${inFlight} requests unanswered 30 s after the end`) : firstError,
    window: { seconds, completedOk: completedOkInWindow, spans: completedOkInWindow * built.spans, wireBytes: completedOkInWindow * wireBytes },
    latency: { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1] },
    genCpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
  };
}

const isMain = process.argv[1] !== undefined && /generator\.(ts|m?js)$/.test(process.argv[1]);
if (isMain) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  run(parseArgs(process.argv.slice(2))).then(
    (result) => {
      write(result);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`generator failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}

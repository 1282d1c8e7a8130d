/**
 * Does --max-inflight-bytes bound memory? Starts the built service, pushes 1 MiB requests from
 * 64 concurrent clients (OTLP/HTTP or OTLP/gRPC) for a while, and samples the service's RSS:
 * first with an upstream that answers at once (the sustainable load: as much as the hop can
 * pass), then with an upstream that accepts streams and never answers (everything piles up).
 * The issue's bar: RSS under the hung upstream at most twice the RSS at the sustainable load.
 * Run: `npm run build && node --import tsx bench/memory-bound.ts [seconds]`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const MiB = 1024 * 1024;
const CLIENTS = 64;
const SECONDS = Number(process.argv[2] ?? 10);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function field(no: number, payload: Buffer): Buffer {
  const len: number[] = [];
  for (let n = payload.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(no << 3) | 2]), Buffer.from(len), payload]);
}

/** A 1 MiB ExportTraceServiceRequest: one resource, one scope, spans with a padding attribute. */
function request(): Buffer {
  const spans: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    const attr = field(9, Buffer.concat([field(1, Buffer.from('pad')), field(2, field(1, Buffer.alloc(1000, 97)))]));
    spans.push(field(2, Buffer.concat([field(1, Buffer.alloc(16, (i % 250) + 1)), field(2, Buffer.alloc(8, 7)), field(5, Buffer.from(`s${i}`)), attr])));
  }
  const resource = field(1, field(1, Buffer.concat([field(1, Buffer.from('service.name')), field(2, field(1, Buffer.from('m')))])));
  return field(1, Buffer.concat([resource, field(2, Buffer.concat(spans))]));
}

type Upstream = 'answers' | 'hung';

/** A gRPC upstream over bare node:http2: answers every call with an empty success, or never. */
async function startUpstream(kind: Upstream): Promise<{ url: string; close(): void }> {
  const server = http2.createServer({ maxSessionMemory: 1024 });
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    if (kind === 'hung') return;
    stream.resume();
    stream.on('end', () => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

interface Outcome {
  ok: number;
  refused: number;
  failed: number;
  /** Failures by gRPC status or HTTP status ('none' when the call ended without one). */
  failures: Record<string, number>;
}

function fail(outcome: Outcome, code: string | number | undefined): void {
  outcome.failed++;
  const key = String(code ?? 'none');
  outcome.failures[key] = (outcome.failures[key] ?? 0) + 1;
}

/** One client loop over OTLP/HTTP (undici's fetch). */
async function httpClient(address: string, body: Buffer, until: number, outcome: Outcome): Promise<void> {
  while (performance.now() < until) {
    const response = await fetch(`http://${address}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    }).catch(() => undefined);
    await response?.arrayBuffer().catch(() => undefined);
    if (response?.status === 200) outcome.ok++;
    else if (response?.status === 429) {
      outcome.refused++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } else fail(outcome, response?.status);
  }
}

/** One client loop over OTLP/gRPC, one stream at a time on a shared session. */
async function grpcClient(session: http2.ClientHttp2Session, frame: Buffer, until: number, outcome: Outcome): Promise<void> {
  while (performance.now() < until && !session.destroyed) {
    const status = await new Promise<string | undefined>((resolve) => {
      const stream = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '30S' });
      let code: string | undefined;
      stream.on('response', (headers) => {
        code ??= headers['grpc-status'] as string | undefined;
        // An early answer (Trailers-Only, then RST_STREAM NO_ERROR): Node never closes a stream
        // whose body is unsent, so the client resets it, as grpc-js does.
        if (code !== undefined) stream.close(http2.constants.NGHTTP2_CANCEL);
      });
      stream.on('trailers', (headers) => (code ??= headers['grpc-status'] as string | undefined));
      stream.on('error', () => undefined);
      stream.on('close', () => resolve(code ?? `rst ${stream.rstCode}`));
      stream.resume();
      stream.end(frame);
    });
    if (status === '0') outcome.ok++;
    else if (status === '8') {
      outcome.refused++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } else fail(outcome, status);
  }
}

interface Run extends Outcome {
  idle: number;
  peak: number;
}

async function run(protocol: 'http' | 'grpc', upstreamKind: Upstream, maxInflight: string): Promise<Run> {
  const upstream = await startUpstream(upstreamKind);
  const child = spawn(
    process.execPath,
    ['dist/main.js', '--grpc-endpoint', '127.0.0.1:0', '--http-endpoint', '127.0.0.1:0', '--admin-endpoint', 'off', '--tags', 'env=bench',
      '--upstream', upstream.url, '--upstream-timeout', '5s', '--max-inflight-bytes', maxInflight, '--log-level', 'info'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const addresses = await new Promise<{ http: string; grpc: string }>((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const h = /http=(\S+?)[ "]/.exec(text);
      const g = /grpc=(\S+?)[ "]/.exec(text);
      if (h && g) resolve({ http: h[1], grpc: g[1] });
    });
    setTimeout(() => reject(new Error(`no listening line in: ${text}`)), 5000);
  });
  const pid = child.pid as number;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = rssMiB(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
  const outcome: Outcome = { ok: 0, refused: 0, failed: 0, failures: {} };
  const body = request();
  const until = performance.now() + SECONDS * 1000;
  if (protocol === 'http') {
    await Promise.all(Array.from({ length: CLIENTS }, () => httpClient(addresses.http, body, until, outcome)));
  } else {
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
    frame.writeUInt32BE(body.length, 1);
    const sessions = Array.from({ length: 4 }, () => http2.connect(`http://${addresses.grpc}`));
    for (const s of sessions) s.on('error', () => undefined);
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => grpcClient(sessions[i % sessions.length], frame, until, outcome)));
    for (const s of sessions) s.destroy();
  }
  clearInterval(sampler);
  child.kill('SIGKILL');
  upstream.close();
  return { idle, peak, ...outcome };
}

const rows = [
  '| protocol | --max-inflight-bytes | idle RSS | peak RSS, upstream answering (sustainable load) | peak RSS, upstream hung | hung ÷ sustainable | hung: answered ok / refused / failed (by status) |',
  '|---|---|--:|--:|--:|--:|---|',
];
for (const protocol of (process.env.PROTOCOLS ?? 'http,grpc').split(',') as ('http' | 'grpc')[]) {
  for (const bound of (process.env.BOUNDS ?? '16MiB,64MiB').split(',')) {
    const sustainable = await run(protocol, 'answers', bound);
    const hung = await run(protocol, 'hung', bound);
    rows.push(
      `| ${protocol} | ${bound} | ${hung.idle.toFixed(0)} MiB | ${sustainable.peak.toFixed(0)} MiB (${sustainable.ok} ok, ${sustainable.refused} refused) | ${hung.peak.toFixed(0)} MiB | ${(hung.peak / sustainable.peak).toFixed(2)}× | ${hung.ok} / ${hung.refused} / ${hung.failed} (${Object.entries(hung.failures).map(([k, v]) => `${k}: ${v}`).join(', ')}) |`,
    );
    process.stderr.write(rows.at(-1) + '\n');
  }
}
console.log(`${CLIENTS} clients × 1 MiB requests for ${SECONDS} s each run\n`);
console.log(rows.join('\n'));

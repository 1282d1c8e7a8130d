/**
 * gRPC transport benchmark: what the hop costs in CPU per million spans with the grpc-js
 * transports and with the node:http2 ones, receiver and exporter alike.
 *
 * Three processes per case (bench/grpc-transport-child.ts): a load generator (N concurrent
 * unary calls, lean client) → the hop (OTLP gRPC receiver → gRPC exporter pass-through, no
 * processor, on the transports under test) → a sink (empty OK). Only the hop is measured: its
 * process.cpuUsage() (user + system, GC included) over a window after a warm-up, divided by the
 * spans it forwarded in that window. One process would mix the load's and the sink's CPU in.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, HopKind, ParentMessage, SpanShape, TransportKind } from './grpc-transport-child.js';

export interface GrpcTransportCase {
  /** `floor`: a bare node:http2 pass-through with no gRPC checks, receiver or exporter (client ignored). */
  readonly server: HopKind;
  readonly client: TransportKind;
  readonly shape: SpanShape;
}

export interface GrpcTransportResult extends GrpcTransportCase {
  readonly spansPerRequest: number;
  readonly requestBytes: number;
  readonly requests: number;
  readonly spansPerSecond: number;
  /** CPU seconds of the hop per million spans forwarded. */
  readonly cpuSecondsPerMillionSpans: number;
  readonly cpuMicrosPerRequest: number;
  readonly hopRssMegabytes: number;
  readonly failedCalls: number;
}

export interface GrpcTransportBenchOptions {
  readonly cases?: readonly GrpcTransportCase[];
  readonly spansPerRequest?: number;
  readonly concurrency?: number;
  readonly warmupMillis?: number;
  readonly measureMillis?: number;
  /** Runs the case list this many times, interleaved (a noisy machine drifts); > 1 adds a table of medians. */
  readonly rounds?: number;
  readonly print?: (line: string) => void;
}

const defaultCases: readonly GrpcTransportCase[] = [
  { server: 'grpc-js', client: 'grpc-js', shape: 'testbed' },
  { server: 'http2', client: 'http2', shape: 'testbed' },
  { server: 'floor', client: 'http2', shape: 'testbed' },
  { server: 'grpc-js', client: 'grpc-js', shape: 'realistic' },
  { server: 'http2', client: 'http2', shape: 'realistic' },
];

const childScript = fileURLToPath(new URL('./grpc-transport-child.ts', import.meta.url));

interface Child {
  readonly process: ChildProcess;
  /** The next message of this kind. */
  next<K extends ChildMessage['kind']>(kind: K): Promise<Extract<ChildMessage, { kind: K }>>;
  send(message: ParentMessage): void;
}

function start(args: readonly string[]): Child {
  const child = fork(childScript, [...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: { kind: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (message: ChildMessage) => {
    const index = waiting.findIndex((w) => w.kind === message.kind);
    if (index >= 0) waiting.splice(index, 1)[0].resolve(message);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`bench child ${args[0]} exited (${code}) before sending ${w.kind}`));
  });
  return {
    process: child,
    next: (kind) =>
      new Promise((resolve, reject) => waiting.push({ kind, resolve: resolve as (m: ChildMessage) => void, reject })),
    send: (message) => void child.send(message),
  };
}

function stop(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill();
  });
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

async function runCase(
  sinkPort: number,
  benchCase: GrpcTransportCase,
  spansPerRequest: number,
  concurrency: number,
  warmupMillis: number,
  measureMillis: number,
): Promise<GrpcTransportResult> {
  const hop = start(['hop', benchCase.server, benchCase.client, String(sinkPort)]);
  let load: Child | undefined;
  try {
    const { port } = await hop.next('ready');
    load = start(['load', 'http2', String(port), String(concurrency), benchCase.shape, String(spansPerRequest)]);
    const { requestBytes = 0 } = await load.next('ready');
    await sleep(warmupMillis);
    hop.send({ kind: 'usage' });
    const before = await hop.next('usage');
    const startedAt = process.hrtime.bigint();
    await sleep(measureMillis);
    hop.send({ kind: 'usage' });
    const after = await hop.next('usage');
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    load.send({ kind: 'stop' });
    const { failed } = await load.next('load');
    const requests = after.requests - before.requests;
    const spans = requests * spansPerRequest;
    const cpuMicros = after.cpuMicros - before.cpuMicros;
    return {
      ...benchCase,
      spansPerRequest,
      requestBytes,
      requests,
      spansPerSecond: spans / seconds,
      cpuSecondsPerMillionSpans: spans === 0 ? Number.NaN : cpuMicros / spans,
      cpuMicrosPerRequest: requests === 0 ? Number.NaN : cpuMicros / requests,
      hopRssMegabytes: after.rssBytes / 1e6,
      failedCalls: failed,
    };
  } finally {
    if (load !== undefined) await stop(load);
    await stop(hop);
  }
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const HEADER = [
  'server'.padEnd(8),
  'client'.padEnd(8),
  'spans'.padEnd(10),
  'bytes/req'.padStart(10),
  'CPU s/1M spans'.padStart(15),
  'µs CPU/req'.padStart(11),
  'spans/s'.padStart(11),
  'hop RSS MB'.padStart(11),
  'failed'.padStart(7),
].join(' ');

function row(r: GrpcTransportResult): string {
  return [
    r.server.padEnd(8),
    (r.server === 'floor' ? '-' : r.client).padEnd(8),
    r.shape.padEnd(10),
    String(r.requestBytes).padStart(10),
    format(r.cpuSecondsPerMillionSpans, 2).padStart(15),
    format(r.cpuMicrosPerRequest).padStart(11),
    format(r.spansPerSecond).padStart(11),
    format(r.hopRssMegabytes).padStart(11),
    String(r.failedCalls).padStart(7),
  ].join(' ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs every case (about warm-up + measure + 1 s of process start each) and prints a table. */
export async function runGrpcTransportBench(options: GrpcTransportBenchOptions = {}): Promise<GrpcTransportResult[]> {
  const cases = options.cases ?? defaultCases;
  const spansPerRequest = options.spansPerRequest ?? 100;
  const concurrency = options.concurrency ?? 16;
  const rounds = options.rounds ?? 1;
  const warmupMillis = options.warmupMillis ?? 1500;
  const measureMillis = options.measureMillis ?? 4000;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));

  print(
    `gRPC transport bench: load → hop (receiver → exporter pass-through) → sink, separate processes; ` +
      `${spansPerRequest} spans/request, ${concurrency} concurrent calls, ${warmupMillis} ms warm-up, ${measureMillis} ms measured, ` +
      `${rounds} round(s), node ${process.version}`,
  );
  print('CPU = the hop process only (user + system), per million spans forwarded');
  print(HEADER);
  const sink = start(['sink']);
  const results: GrpcTransportResult[] = [];
  try {
    const { port: sinkPort } = await sink.next('ready');
    for (let round = 0; round < rounds; round++) {
      for (const benchCase of cases) {
        const r = await runCase(sinkPort as number, benchCase, spansPerRequest, concurrency, warmupMillis, measureMillis);
        results.push(r);
        print(row(r));
      }
    }
  } finally {
    await stop(sink);
  }
  if (rounds > 1) {
    print(`medians of ${rounds} rounds:`);
    print(HEADER);
    for (const benchCase of cases) {
      const runs = results.filter((r) => r.server === benchCase.server && r.client === benchCase.client && r.shape === benchCase.shape);
      const mid = (pick: (r: GrpcTransportResult) => number): number => median(runs.map(pick));
      print(
        row({
          ...runs[0],
          requests: mid((r) => r.requests),
          spansPerSecond: mid((r) => r.spansPerSecond),
          cpuSecondsPerMillionSpans: mid((r) => r.cpuSecondsPerMillionSpans),
          cpuMicrosPerRequest: mid((r) => r.cpuMicrosPerRequest),
          hopRssMegabytes: mid((r) => r.hopRssMegabytes),
          failedCalls: runs.reduce((sum, r) => sum + r.failedCalls, 0),
        }),
      );
    }
  }
  return results;
}

/**
 * One measured run ("leg") of load through a hop (or straight into the sink, for the
 * baseline): the generator's window or one h2load run, the hop's CPU and RSS over exactly that
 * span, and the sink's count against what was sent.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context.js';
import { generatorArgs, type GeneratorOptions, type LatencySummary } from './generator.js';
import { buildTraceRequest, grpcFrame, type SpanShape } from './otlp-bytes.js';
import { cpuSeconds, startSampler, type SampleSummary } from './proc-stats.js';
import { resultsDir, runGenerator, runH2load, type HopProcess } from './processes.js';

export interface LegResult {
  readonly spansPerRequest: number;
  readonly requestBytes: number;
  readonly wireBytes: number;
  /** Spans per second answered OK in the measured window. */
  readonly spansPerSecond: number;
  readonly megabytesPerSecond: number;
  /** The hop's CPU over the window, % of one core (NaN without a hop). */
  readonly cpuPercent: number;
  readonly cpuMaxPercent: number;
  readonly cpuSecondsPerMillionSpans: number;
  readonly rssAvgMiB: number;
  readonly rssMaxMiB: number;
  /** Milliseconds; from the Node generator (p50/p99), or h2load's mean and max. */
  readonly latency: LatencySummary | { readonly mean: number; readonly max: number };
  readonly genCpuPercent: number;
  readonly sent: number;
  readonly received: number;
  readonly failed: number;
  readonly firstError?: string;
  /** sent == received, nothing failed or dropped. */
  readonly delivered: boolean;
  readonly tool: 'node' | 'h2load';
  /** Repeated runs: the lowest and highest CPU s per million spans (the row is the median run). */
  readonly cpuRange?: readonly [number, number];
}

const MiB = 1024 * 1024;

function hopWindow(hop: HopProcess | undefined): { start(): void; end(): void; result(): { cpu: number; seconds: number; samples: SampleSummary | undefined } } {
  let cpu0 = 0;
  let cpu1 = 0;
  let t0 = 0;
  let t1 = 0;
  let sampler: { stop(): SampleSummary } | undefined;
  let samples: SampleSummary | undefined;
  return {
    start() {
      t0 = performance.now();
      if (hop === undefined) return;
      cpu0 = cpuSeconds(hop.pid);
      sampler = startSampler(hop.pid);
    },
    end() {
      t1 = performance.now();
      if (hop === undefined) return;
      cpu1 = cpuSeconds(hop.pid);
      samples = sampler?.stop();
    },
    result: () => ({ cpu: cpu1 - cpu0, seconds: (t1 - t0) / 1000, samples }),
  };
}

/** Load from the Node generator (open or closed loop) through `hop`, or straight into the sink. */
export async function runGeneratorLeg(ctx: BenchContext, hop: HopProcess | undefined, options: GeneratorOptions): Promise<LegResult> {
  ctx.sink.reset();
  const window = hopWindow(hop);
  const result = await runGenerator(ctx.built, options, generatorArgs, { onMeasureStart: window.start, onMeasureEnd: window.end });
  const counts = await ctx.sink.counts();
  const { cpu, seconds, samples } = window.result();
  const spans = result.window.spans;
  const failed = result.failed + result.dropped + counts.errors;
  return {
    spansPerRequest: result.spansPerRequest,
    requestBytes: result.requestBytes,
    wireBytes: result.wireBytes,
    spansPerSecond: spans / result.window.seconds,
    megabytesPerSecond: (result.window.completedOk * result.requestBytes) / 1e6 / result.window.seconds,
    cpuPercent: hop === undefined ? Number.NaN : (cpu / seconds) * 100,
    cpuMaxPercent: samples?.cpuMaxPercent ?? Number.NaN,
    cpuSecondsPerMillionSpans: hop === undefined || spans === 0 ? Number.NaN : cpu / (spans / 1e6),
    rssAvgMiB: samples === undefined ? Number.NaN : samples.rssAvgBytes / MiB,
    rssMaxMiB: samples === undefined ? Number.NaN : samples.rssMaxBytes / MiB,
    latency: result.latency,
    genCpuPercent: result.genCpuPercent,
    sent: result.sentSpans,
    received: counts.spans,
    failed,
    firstError: result.firstError ?? counts.firstError,
    delivered: failed === 0 && result.sentSpans === counts.spans,
    tool: 'node',
  };
}

function h2loadData(shape: SpanShape, spans: number): { file: string; bytes: number } {
  const message = buildTraceRequest(shape, spans);
  const file = path.join(resultsDir, '.build', `h2load-${shape}-${spans}.bin`);
  writeFileSync(file, grpcFrame(message));
  return { file, bytes: message.length };
}

export const h2loadConnections = 4;
export const h2loadStreams = 16;

/**
 * Two h2load warm-up runs against a hop, a short one, then one of about `seconds` sized from its
 * rate, so that V8 has optimised the hop before it is measured; returns the rate reached
 * (requests/s).
 */
export async function warmH2load(port: number, shape: SpanShape, seconds: number): Promise<number> {
  const { file } = h2loadData(shape, 100);
  const first = await runH2load(port, file, 256, h2loadConnections, h2loadStreams, 60_000);
  const second = await runH2load(port, file, h2loadRequests((first.done / first.seconds) * Math.max(0.5, seconds)), h2loadConnections, h2loadStreams, 60_000);
  return second.done / second.seconds;
}

function h2loadRequests(n: number): number {
  return Math.round(Math.min(2_000_000, Math.max(h2loadConnections * h2loadStreams * 4, n)));
}

/**
 * One measured h2load run (-c 4 -m 16) of about `seconds` at the last `rate` seen (requests/s):
 * the hop's CPU and RSS over exactly that run, and the sink's count. h2load waits for every
 * answer, so the sink's count is final when it exits. h2load calls any HTTP 200 a success; gRPC
 * failures show up as sent != received. Returns the leg and the rate it reached.
 */
export async function runH2loadOnce(ctx: BenchContext, hop: HopProcess, port: number, shape: SpanShape, seconds: number, rate: number): Promise<{ leg: LegResult; rate: number }> {
  const spansPerRequest = 100;
  const { file, bytes } = h2loadData(shape, spansPerRequest);
  ctx.sink.reset();
  const window = hopWindow(hop);
  window.start();
  const run = await runH2load(port, file, h2loadRequests(rate * seconds), h2loadConnections, h2loadStreams, Math.max(60_000, seconds * 10_000));
  window.end();
  const counts = await ctx.sink.counts();
  const { cpu, samples } = window.result();
  const spans = run.succeeded * spansPerRequest;
  const sent = run.total * spansPerRequest;
  const failed = run.total - run.succeeded + counts.errors;
  const leg: LegResult = {
    spansPerRequest,
    requestBytes: bytes,
    wireBytes: bytes,
    spansPerSecond: spans / run.seconds,
    megabytesPerSecond: (run.succeeded * bytes) / 1e6 / run.seconds,
    cpuPercent: (cpu / run.seconds) * 100,
    cpuMaxPercent: samples?.cpuMaxPercent ?? Number.NaN,
    cpuSecondsPerMillionSpans: spans === 0 ? Number.NaN : cpu / (spans / 1e6),
    rssAvgMiB: samples === undefined ? Number.NaN : samples.rssAvgBytes / MiB,
    rssMaxMiB: samples === undefined ? Number.NaN : samples.rssMaxBytes / MiB,
    latency: { mean: run.meanMillis, max: run.maxMillis },
    genCpuPercent: Number.NaN,
    sent,
    received: counts.spans,
    failed,
    firstError: counts.firstError ?? (failed > 0 ? `h2load: ${run.failed} failed, ${run.errored} errored, ${run.timeout} timed out` : undefined),
    delivered: failed === 0 && sent === counts.spans,
    tool: 'h2load',
  };
  return { leg, rate: run.done / run.seconds };
}

/**
 * Closed-loop saturation with h2load against one hop: two warm-up runs, `beforeMeasuring` if
 * given (an idle spell, say), then `repeats` runs of about `seconds` each (sized from the
 * previous rate); the run with the median CPU per span is reported, with the range of all.
 */
export async function runH2loadLeg(
  ctx: BenchContext,
  hop: HopProcess,
  port: number,
  shape: SpanShape,
  seconds: number,
  repeats = 3,
  beforeMeasuring?: () => Promise<void>,
): Promise<LegResult> {
  let rate = await warmH2load(port, shape, seconds);
  await beforeMeasuring?.();
  const runs: LegResult[] = [];
  for (let i = 0; i < repeats; i++) {
    const once = await runH2loadOnce(ctx, hop, port, shape, seconds, rate);
    runs.push(once.leg);
    rate = once.rate;
  }
  return medianRun(runs);
}

/** The run with the median CPU per span, with the range over all runs and their delivery totals. */
export function medianRun(runs: readonly LegResult[]): LegResult {
  const sorted = [...runs].sort((a, b) => a.cpuSecondsPerMillionSpans - b.cpuSecondsPerMillionSpans);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const failedRun = runs.find((r) => !r.delivered);
  return {
    ...median,
    cpuRange: [sorted[0].cpuSecondsPerMillionSpans, sorted[sorted.length - 1].cpuSecondsPerMillionSpans],
    rssMaxMiB: Math.max(...runs.map((r) => r.rssMaxMiB)),
    sent: runs.reduce((n, r) => n + r.sent, 0),
    received: runs.reduce((n, r) => n + r.received, 0),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    firstError: failedRun?.firstError,
    delivered: failedRun === undefined,
  };
}

/** Saturation: h2load when installed, else the Node generator closed-loop with the same 4 × 16. */
export function runSaturationLeg(ctx: BenchContext, hop: HopProcess, port: number, shape: SpanShape, seconds: number): Promise<LegResult> {
  if (ctx.h2load !== undefined) return runH2loadLeg(ctx, hop, port, shape, seconds);
  return runGeneratorLeg(ctx, hop, {
    protocol: 'grpc',
    port,
    shape,
    spans: 100,
    gzip: false,
    rate: 0,
    concurrency: h2loadConnections * h2loadStreams,
    connections: h2loadConnections,
    warmupSeconds: seconds,
    durationSeconds: 2 * seconds,
  });
}

/**
 * Does batching pay? Small requests (10 testbed spans, 1.6 kB) through otlp-tagger with the batch
 * processor off and on, OTLP/gRPC in and out, uncompressed: at a fixed rate (open loop, the
 * Node generator, 4 connections), and at saturation (closed loop, 4 connections × 64 streams, so
 * that enough requests are in flight to fill a batch). For each: the hop's CPU per million spans,
 * how many requests the upstream got, and the latency the clients saw; at the fixed rate also
 * what the hop added over sending straight into the sink.
 */
import type { BenchContext } from '../context.js';
import { benchTags, hopPort, startTagger } from '../hops.js';
import { runGeneratorLeg, type LegResult } from '../legs.js';
import { deliveredMark, num, p50, p99, table, type Section } from '../report.js';
import type { HopProcess } from '../processes.js';

const spansPerRequest = 10;

interface Variant {
  readonly label: string;
  readonly flags: readonly string[];
}

const variants: readonly Variant[] = [
  { label: 'batching off', flags: [] },
  { label: 'batch 256 KiB / 50 ms', flags: ['--batch-max-bytes', '256KiB', '--batch-timeout', '50ms'] },
  { label: 'batch 256 KiB / 10 ms', flags: ['--batch-max-bytes', '256KiB', '--batch-timeout', '10ms'] },
];

interface Row {
  readonly variant: string;
  readonly load: string;
  readonly leg: LegResult;
  /** What the sink got over the whole leg (warm-up included): upstream requests and spans. */
  readonly upstream: { readonly requests: number; readonly spans: number };
}

interface Load {
  readonly name: string;
  /** Requests per second; 0 = closed loop. */
  readonly rate: number;
  readonly concurrency: number;
}

const loads: readonly Load[] = [
  { name: '10,000 spans/s', rate: 10_000 / spansPerRequest, concurrency: 512 },
  { name: 'saturation', rate: 0, concurrency: 256 },
];

function leg(ctx: BenchContext, hop: HopProcess | undefined, port: number, load: Load): Promise<LegResult> {
  return runGeneratorLeg(ctx, hop, {
    protocol: 'grpc',
    port,
    shape: 'testbed',
    spans: spansPerRequest,
    gzip: false,
    rate: load.rate,
    concurrency: load.concurrency,
    connections: 4,
    warmupSeconds: 2 * ctx.timeScale,
    durationSeconds: 8 * ctx.timeScale,
  });
}

export async function runBatch(ctx: BenchContext): Promise<Section> {
  const rows: Row[] = [];
  const direct = new Map<string, LegResult>();
  for (const load of loads) {
    if (load.rate > 0) {
      ctx.print(`  direct ${load.name} …`);
      direct.set(load.name, await leg(ctx, undefined, ctx.sink.grpcPort, load));
    }
  }
  for (const variant of variants) {
    const hop = await startTagger(ctx, variant.flags);
    try {
      for (const load of loads) {
        ctx.print(`  ${variant.label}, ${load.name} …`);
        const result = await leg(ctx, hop, hopPort(hop, 'grpc'), load);
        const counts = await ctx.sink.counts();
        rows.push({ variant: variant.label, load: load.name, leg: result, upstream: { requests: counts.requests, spans: counts.spans } });
      }
    } finally {
      await hop.stop();
    }
  }
  const body = rows.map((r) => {
    const spansPerUpstream = r.upstream.spans / r.upstream.requests;
    const base = direct.get(r.load);
    return [
      r.variant,
      r.load,
      num(r.leg.cpuSecondsPerMillionSpans, 2),
      num(r.leg.cpuPercent, 0),
      num(r.leg.spansPerSecond, 0),
      num(r.leg.spansPerSecond / spansPerUpstream, 0),
      num(spansPerUpstream / spansPerRequest, 1),
      `${num(p50(r.leg), 2)} / ${num(p99(r.leg), 2)}`,
      base === undefined ? '–' : `${num(p50(r.leg) - p50(base), 2)} / ${num(p99(r.leg) - p99(base), 2)}`,
      deliveredMark(r.leg),
    ];
  });
  const fixed = loads[0];
  return {
    title: 'batch: merging small requests, does it pay?',
    lines: [
      `OTLP/gRPC → otlp-tagger → OTLP/gRPC sink, uncompressed, ${spansPerRequest} testbed spans per request (1.6 kB), tags ${benchTags}; ` +
        `Node generator over 4 connections: ${fixed.name} open loop (${fixed.rate} requests/s), and saturation = closed loop with ${loads[1].concurrency} requests in flight; ` +
        `${2 * ctx.timeScale} s warm-up, ${8 * ctx.timeScale} s measured. CPU: the hop process only. "Upstream requests/s" = spans/s ÷ spans per upstream request (sink count over the leg). ` +
        'Latency from the scheduled send time (open loop) or the send (closed loop); "added" = minus straight into the sink at the same rate.',
      '',
      ...table(
        ['otlp-tagger', 'load', 'CPU s / 1M spans', 'hop CPU %', 'spans/s', 'upstream requests/s', 'client requests per upstream request', 'p50 / p99 ms', 'added p50 / p99 ms', 'sent = received (spans)'],
        body,
        'll',
      ),
    ],
  };
}

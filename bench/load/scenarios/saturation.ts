/**
 * The main comparison: every hop side by side at saturation, CPU seconds of the hop per million
 * spans, both span shapes, with ratios against the transport's floor (identity-http2) and the
 * naive protobufjs hop, and the targets. gRPC load from h2load -c 4 -m 16 when installed (the
 * setting of the issue's figures), else the Node generator closed-loop with 4 × 16 streams.
 * With h2load the hops' measured runs are interleaved, round by round: this is a shared VM, and
 * back-to-back runs let one noisy minute land on one hop (otlp-tagger measured 2.47 in one run
 * and 1.79 in the next scenario of the same run).
 * Also `tags-off` (P5): otlp-tagger with and without tags; and the HTTP saturation legs.
 */
import type { BenchContext } from '../context.js';
import { benchTags, hopLabel, hopPort, startHop, type HopName, type Protocol } from '../hops.js';
import { h2loadConnections, h2loadStreams, medianRun, runGeneratorLeg, runH2loadOnce, runSaturationLeg, warmH2load, type LegResult } from '../legs.js';
import type { HopProcess } from '../processes.js';
import { spanShapes, type SpanShape } from '../otlp-bytes.js';
import { deliveredMark, met, num, ratio, table, type ChartRow, type Section } from '../report.js';
import { knownFigures, targets } from '../targets.js';

interface Row {
  readonly hop: string;
  readonly shape: SpanShape;
  readonly leg: LegResult;
}

const gRpcHops: readonly HopName[] = ['identity-http2', 'identity-grpcjs', 'naive-protobufjs', 'otlp-tagger', 'tagger-core-http2'];
const tagging = (hop: HopName) => hop !== 'identity-http2' && hop !== 'identity-grpcjs';

/**
 * Each measured run, and the second warm-up run. Runs of 3 s after about 1.3 s of warm-up left
 * otlp-tagger partly unoptimised (V8 compiling during the runs, its compiler threads counted):
 * 2.35–3.02 CPU s per 1M testbed spans with ranges up to 2.4–4.0, against 1.69–1.80 (ranges
 * within 0.2) with 8 s runs after a longer warm-up; the bare pass-through, with less code to
 * optimise, moved less.
 */
function seconds(ctx: BenchContext): number {
  return 6 * ctx.timeScale;
}

function loadDescription(ctx: BenchContext, protocol: Protocol): string {
  if (protocol === 'http') return 'Node generator, closed loop, 16 keep-alive HTTP/1.1 connections × 1 request in flight';
  return ctx.h2load !== undefined
    ? `${ctx.h2load}: \`h2load -c ${h2loadConnections} -m ${h2loadStreams} -n N --data=<framed request>\` (h2c); all hops run at once (idle unless loaded), each gets two warm-up runs, ` +
        `then ${rounds} rounds in which every hop in turn takes one run of ~${seconds(ctx)} s (N sized from its previous rate), so that a noisy minute on the machine hits every hop alike; the median run of each hop is shown`
    : `Node generator (h2load not installed), closed loop, ${h2loadConnections} connections × ${h2loadStreams} streams, ${seconds(ctx)} s warm-up, ${2 * seconds(ctx)} s measured`;
}

/** Measured runs per hop and shape; h2load runs are interleaved across hops round by round. */
const rounds = 3;

type Variant = { label: string; hop: HopName; tags: string };

/** gRPC with h2load: every hop started, warmed, then measured in interleaved rounds. */
async function measureInterleaved(ctx: BenchContext, variants: readonly Variant[]): Promise<Row[]> {
  const hops: HopProcess[] = [];
  try {
    for (const v of variants) hops.push(await startHop(ctx, v.hop, { protocol: 'grpc', compression: 'none', tags: v.tags }));
    const rows: Row[] = [];
    for (const shape of spanShapes) {
      const rates: number[] = [];
      for (const [i, v] of variants.entries()) {
        ctx.print(`  ${v.label} ${shape}: warm-up …`);
        rates.push(await warmH2load(hopPort(hops[i], 'grpc'), shape, seconds(ctx)));
      }
      const runs = variants.map((): LegResult[] => []);
      for (let round = 0; round < rounds; round++) {
        ctx.print(`  ${shape}: round ${round + 1} of ${rounds} …`);
        for (const [i] of variants.entries()) {
          const once = await runH2loadOnce(ctx, hops[i], hopPort(hops[i], 'grpc'), shape, seconds(ctx), rates[i]);
          runs[i].push(once.leg);
          rates[i] = once.rate;
        }
      }
      for (const [i, v] of variants.entries()) rows.push({ hop: v.label, shape, leg: medianRun(runs[i]) });
    }
    return rows;
  } finally {
    await Promise.all(hops.map((hop) => hop.stop()));
  }
}

async function measure(ctx: BenchContext, protocol: Protocol, variants: readonly Variant[]): Promise<Row[]> {
  if (protocol === 'grpc' && ctx.h2load !== undefined) return measureInterleaved(ctx, variants);
  const rows: Row[] = [];
  for (const v of variants) {
    const hop = await startHop(ctx, v.hop, { protocol, compression: 'none', tags: v.tags });
    try {
      const port = hopPort(hop, protocol);
      for (const shape of spanShapes) {
        ctx.print(`  ${v.label} ${shape} …`);
        const leg =
          protocol === 'grpc'
            ? await runSaturationLeg(ctx, hop, port, shape, seconds(ctx))
            : await runGeneratorLeg(ctx, hop, {
                protocol,
                port,
                shape,
                spans: 100,
                gzip: false,
                rate: 0,
                concurrency: 16,
                connections: 16,
                warmupSeconds: seconds(ctx),
                durationSeconds: 2 * seconds(ctx),
              });
        rows.push({ hop: v.label, shape, leg });
      }
    } finally {
      await hop.stop();
    }
  }
  return rows;
}

function latencyCell(leg: LegResult): string {
  return 'p50' in leg.latency ? `p50 ${num(leg.latency.p50, 2)} / p99 ${num(leg.latency.p99, 2)}` : `mean ${num(leg.latency.mean, 2)}`;
}

function comparisonTable(rows: readonly Row[], floor: string, naive: string, withKnown: boolean): string[] {
  const find = (hop: string, shape: SpanShape) => rows.find((r) => r.hop === hop && r.shape === shape)?.leg.cpuSecondsPerMillionSpans ?? Number.NaN;
  const body = rows.map((r) => {
    const known = knownFigures.find((k) => k.hop === r.hop);
    const cells = [
      r.hop,
      r.shape,
      r.leg.cpuRange === undefined
        ? num(r.leg.cpuSecondsPerMillionSpans, 2)
        : `**${num(r.leg.cpuSecondsPerMillionSpans, 2)}** (${num(r.leg.cpuRange[0], 2)}–${num(r.leg.cpuRange[1], 2)})`,
      ratio(r.leg.cpuSecondsPerMillionSpans, find(floor, r.shape)),
      ratio(r.leg.cpuSecondsPerMillionSpans, find(naive, r.shape)),
      num(r.leg.spansPerSecond, 0),
      num(r.leg.cpuPercent, 0),
      num(r.leg.rssMaxMiB, 0),
      latencyCell(r.leg),
    ];
    if (withKnown) cells.push(known === undefined ? '–' : r.shape === 'testbed' ? known.testbed : known.realistic);
    cells.push(deliveredMark(r.leg));
    return cells;
  });
  const header = ['hop', 'spans', 'CPU s / 1M spans (median; range)', `vs ${floor}`, `vs ${naive}`, 'spans/s', 'hop CPU %', 'RSS max MiB', 'latency ms'];
  if (withKnown) header.push('issue figure (CPU s / 1M)');
  header.push('sent = received (spans)');
  return table(header, body, 'll');
}

function targetLines(rows: readonly Row[], hops: readonly string[]): string[] {
  const find = (hop: string, shape: SpanShape) => rows.find((r) => r.hop === hop && r.shape === shape)?.leg.cpuSecondsPerMillionSpans ?? Number.NaN;
  const lines: string[] = [];
  for (const hop of hops) {
    for (const shape of spanShapes) {
      const value = find(hop, shape);
      const floor = find('identity-http2', shape);
      const naive = find('naive-protobufjs', shape);
      lines.push(
        `- ${hop}, ${shape}: ${num(value / floor, 2)}× identity-http2 (target ≤ ${targets.vsIdentityHttp2}×) ${met(value <= targets.vsIdentityHttp2 * floor)}; ` +
          `${num(value / naive, 2)}× naive-protobufjs (target ≤ ${targets.vsNaive}×) ${met(value <= targets.vsNaive * naive)}`,
      );
    }
  }
  return lines;
}

export async function runSaturation(ctx: BenchContext): Promise<Section> {
  const rows = await measure(
    ctx,
    'grpc',
    gRpcHops.map((hop) => ({ label: hop, hop, tags: tagging(hop) ? benchTags : '' })),
  );
  const chart: ChartRow[] = gRpcHops.map((hop) => ({
    hop,
    testbed: rows.find((r) => r.hop === hop && r.shape === 'testbed')?.leg.cpuSecondsPerMillionSpans,
    realistic: rows.find((r) => r.hop === hop && r.shape === 'realistic')?.leg.cpuSecondsPerMillionSpans,
  }));
  return {
    title: 'saturation: CPU per span, all hops side by side (P7, the main comparison)',
    lines: [
      `OTLP/gRPC → OTLP/gRPC, uncompressed, 100 spans per request; load: ${loadDescription(ctx, 'grpc')}. ` +
        `CPU = user + system seconds of the hop process (all threads, GC included) over the measured run, per million spans answered OK. ` +
        `Tagging hops add ${benchTags.split(',').length} tags (${benchTags}). otlp-tagger = \`node --no-memory-reducer dist/main.js\` as shipped; ` +
        `tagger-core-http2 = its receiver → agent_tags → exporter alone on the node:http2 transports, without the service's wrappers (in-flight limit, metrics, retries, splitting).`,
      '',
      ...comparisonTable(rows, 'identity-http2', 'naive-protobufjs', true),
      '',
      '"hop CPU %" well below 100 means the hop was not what limited the rate: the other processes (or the rest of the machine) were; CPU per span is still its own cost, though a crowded machine inflates it (cold caches, more wake-ups per request).',
      '',
      'Targets (the issue, item 4; the "issue figure" column is from another machine: compare ratios, not absolutes):',
      '',
      ...targetLines(rows, ['otlp-tagger', 'tagger-core-http2']),
      '',
      'For reference, the issue\'s figures: ' + knownFigures.map((k) => `${k.what} ${k.testbed} / ${k.realistic}`).join('; ') + ' (CPU s per 1M spans, testbed / realistic).',
    ],
    chart,
    chartLoad: ctx.h2load !== undefined ? `h2load -c ${h2loadConnections} -m ${h2loadStreams}` : `Node generator, ${h2loadConnections} × ${h2loadStreams} streams`,
  };
}

export async function runTagsOff(ctx: BenchContext): Promise<Section> {
  const rows = await measure(ctx, 'grpc', [
    { label: 'otlp-tagger, no tags', hop: 'otlp-tagger', tags: '' },
    { label: 'otlp-tagger, 3 tags', hop: 'otlp-tagger', tags: benchTags },
  ]);
  const off = (shape: SpanShape) => rows.find((r) => r.shape === shape && r.hop.endsWith('no tags'))?.leg.cpuSecondsPerMillionSpans ?? Number.NaN;
  const body = rows.map((r) => [
    r.hop,
    r.shape,
    num(r.leg.cpuSecondsPerMillionSpans, 2),
    r.hop.endsWith('no tags') ? '–' : `${num(((r.leg.cpuSecondsPerMillionSpans - off(r.shape)) / off(r.shape)) * 100, 1)} %`,
    num(r.leg.spansPerSecond, 0),
    num(r.leg.rssMaxMiB, 0),
    deliveredMark(r.leg),
  ]);
  return {
    title: 'tags-off: the cost of tagging (P5)',
    lines: [
      `otlp-tagger with no tags (requests are still validated and forwarded) against the same with ${benchTags}; saturation as in \`saturation\` (${loadDescription(ctx, 'grpc')}).`,
      '',
      ...table(['config', 'spans', 'CPU s / 1M spans', 'Δ vs no tags', 'spans/s', 'RSS max MiB', 'sent = received (spans)'], body, 'll'),
      '',
      'Collector anchor: its `attributes` processor adds about 0 % CPU (performance-and-reliability.md §1.2).',
    ],
  };
}

export async function runHttpSaturation(ctx: BenchContext): Promise<string[]> {
  const hops: HopName[] = ['identity-http2', 'naive-protobufjs', 'otlp-tagger'];
  const rows = await measure(
    ctx,
    'http',
    hops.map((hop) => ({ label: hopLabel(hop, 'http'), hop, tags: tagging(hop) ? benchTags : '' })),
  );
  return [
    `Saturation over OTLP/HTTP protobuf (${loadDescription(ctx, 'http')}; ${seconds(ctx)} s warm-up, ${2 * seconds(ctx)} s measured):`,
    '',
    ...comparisonTable(rows, hopLabel('identity-http2', 'http'), 'naive-protobufjs', false),
  ];
}

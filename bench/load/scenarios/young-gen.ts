/**
 * Memory against CPU: V8's young generation. Node 20 lets each of its two semi-spaces grow to
 * 16 MiB under allocation pressure, and a service that moves request buffers all day keeps them
 * there: most of otlp-tagger's RSS above idle. `--max-semi-space-size` caps them (Node flag,
 * or NODE_OPTIONS), at the price of more frequent scavenges. This runs the service with the
 * default and with smaller caps, at 10k spans/s (the sidecar's case: RSS, CPU) and at saturation
 * (the gateway's case: CPU per span), OTLP/gRPC in and out, both span shapes.
 */
import { taggerNodeFlags, type BenchContext } from '../context.js';
import { hopPort, startTagger } from '../hops.js';
import { runSaturationLeg, type LegResult } from '../legs.js';
import { spanShapes } from '../otlp-bytes.js';
import { deliveredMark, num, p99, table, type Section } from '../report.js';
import { fixedRateWarmupSeconds, runFixedRateLeg } from './fixed-rate.js';

const variants: readonly { readonly label: string; readonly nodeFlags: readonly string[] }[] = [
  { label: 'default (16 MiB)', nodeFlags: [] },
  { label: '--max-semi-space-size=4', nodeFlags: ['--max-semi-space-size=4'] },
  { label: '--max-semi-space-size=1', nodeFlags: ['--max-semi-space-size=1'] },
];

interface Row {
  readonly variant: string;
  readonly load: string;
  readonly leg: LegResult;
}

export async function runYoungGen(ctx: BenchContext): Promise<Section> {
  const rows: Row[] = [];
  for (const variant of variants) {
    const hop = await startTagger(ctx, [], [...taggerNodeFlags, ...variant.nodeFlags]);
    try {
      const port = hopPort(hop, 'grpc');
      for (const [i, shape] of spanShapes.entries()) {
        ctx.print(`  ${variant.label}, 10k spans/s ${shape} …`);
        const warmupSeconds = i === 0 ? fixedRateWarmupSeconds.first : fixedRateWarmupSeconds.next;
        const leg = await runFixedRateLeg(ctx, hop, { protocol: 'grpc', gzip: false, port, shape, warmupSeconds });
        rows.push({ variant: variant.label, load: `10k spans/s, ${shape}`, leg });
      }
      for (const shape of spanShapes) {
        ctx.print(`  ${variant.label}, saturation ${shape} …`);
        rows.push({ variant: variant.label, load: `saturation, ${shape}`, leg: await runSaturationLeg(ctx, hop, port, shape, 3 * ctx.timeScale) });
      }
    } finally {
      await hop.stop();
    }
  }
  const base = new Map(rows.filter((r) => r.variant === variants[0].label).map((r) => [r.load, r.leg]));
  const body = rows.map((r) => {
    const b = base.get(r.load) as LegResult;
    return [
      r.variant,
      r.load,
      num(r.leg.cpuPercent, 1),
      num(r.leg.cpuSecondsPerMillionSpans, 2),
      `${num(r.leg.cpuSecondsPerMillionSpans / b.cpuSecondsPerMillionSpans, 2)}×`,
      num(r.leg.rssAvgMiB, 1),
      num(r.leg.rssMaxMiB, 1),
      r.leg.tool === 'node' ? num(p99(r.leg), 2) : '–',
      num(r.leg.spansPerSecond, 0),
      deliveredMark(r.leg),
    ];
  });
  return {
    title: 'young-gen: RSS against CPU, V8 semi-space cap',
    lines: [
      'otlp-tagger, OTLP/gRPC in and out, uncompressed, tags on; started with each Node flag (in production: `NODE_OPTIONS=--max-semi-space-size=N`). ' +
        `10k spans/s: Node generator, 100 requests/s × 100 spans, one connection, open loop, ${fixedRateWarmupSeconds.first * ctx.timeScale} s warm-up before the first shape, ` +
        `${8 * ctx.timeScale} s measured. Saturation: as in the saturation scenario (median of 3 runs). CPU and RSS: the hop process only; RSS max over the leg.`,
      '',
      ...table(
        ['otlp-tagger', 'load', 'CPU %', 'CPU s / 1M spans', 'CPU vs default', 'RSS avg MiB', 'RSS max MiB', 'p99 ms', 'spans/s', 'sent = received (spans)'],
        body,
        'll',
      ),
    ],
  };
}

/**
 * Busy after idle: V8's memory reducer. When a Node process goes quiet, V8 shrinks its heap
 * (mark-compacts flagged "reduce"). For otlp-tagger that leaves the old generation's limit just
 * above its live heap, and once load returns V8 runs a mark-compact every ~50 ms instead of
 * every second or so, and keeps doing so: CPU per span at saturation rises 1.8–2.7× on
 * realistic spans. The service therefore ships with `--no-memory-reducer` (a Node command-line
 * flag; Node refuses it in NODE_OPTIONS, and V8 ignores it when set at run time).
 *
 * This runs otlp-tagger with and without the flag: saturation as in the saturation scenario,
 * once straight after the warm-up ("busy") and once after an idle spell long enough for the
 * reducer to run ("after idle"), both span shapes; and the RSS that the idle spell leaves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { taggerNodeFlags, type BenchContext } from '../context.js';
import { hopPort, startTagger } from '../hops.js';
import { runH2loadLeg, type LegResult } from '../legs.js';
import { spanShapes } from '../otlp-bytes.js';
import { rssBytes } from '../proc-stats.js';
import { deliveredMark, num, table, type Section } from '../report.js';

/** V8 starts the reducer 8 s after the allocation rate drops (--gc-memory-reducer-start-delay-ms). */
const idleSeconds = 30;

const variants: readonly { readonly label: string; readonly nodeFlags: readonly string[] }[] = [
  { label: 'as shipped (--no-memory-reducer)', nodeFlags: taggerNodeFlags },
  { label: "Node's default (memory reducer on)", nodeFlags: [] },
];

interface Row {
  readonly variant: string;
  readonly load: string;
  readonly leg: LegResult;
  readonly rssBeforeMiB: number;
}

export async function runMemoryReducer(ctx: BenchContext): Promise<Section> {
  if (ctx.h2load === undefined) {
    return { title: 'memory-reducer: busy after idle', lines: ['Skipped: h2load (Debian nghttp2-client) is not installed.'] };
  }
  const seconds = 6 * ctx.timeScale;
  const rows: Row[] = [];
  for (const variant of variants) {
    const hop = await startTagger(ctx, [], variant.nodeFlags);
    try {
      const port = hopPort(hop, 'grpc');
      for (const shape of spanShapes) {
        for (const idle of [false, true]) {
          ctx.print(`  ${variant.label}, ${shape}, ${idle ? 'after idle' : 'busy'} …`);
          let rssBeforeMiB = Number.NaN;
          const leg = await runH2loadLeg(ctx, hop, port, shape, seconds, 3, async () => {
            if (idle) await sleep(idleSeconds * 1000);
            rssBeforeMiB = rssBytes(hop.pid) / 2 ** 20;
          });
          rows.push({ variant: variant.label, load: `${shape}, ${idle ? `after ${idleSeconds} s idle` : 'busy'}`, leg, rssBeforeMiB });
        }
      }
    } finally {
      await hop.stop();
    }
  }
  const shipped = new Map(rows.filter((r) => r.variant === variants[0].label).map((r) => [r.load, r.leg]));
  const body = rows.map((r) => {
    const base = shipped.get(r.load) as LegResult;
    return [
      r.variant,
      r.load,
      `**${num(r.leg.cpuSecondsPerMillionSpans, 2)}** (${num(r.leg.cpuRange?.[0] ?? Number.NaN, 2)}–${num(r.leg.cpuRange?.[1] ?? Number.NaN, 2)})`,
      `${num(r.leg.cpuSecondsPerMillionSpans / base.cpuSecondsPerMillionSpans, 2)}×`,
      num(r.leg.cpuPercent, 0),
      num(r.leg.spansPerSecond, 0),
      num(r.rssBeforeMiB, 0),
      num(r.leg.rssMaxMiB, 0),
      deliveredMark(r.leg),
    ];
  });
  return {
    title: 'memory-reducer: busy after idle',
    lines: [
      `otlp-tagger, OTLP/gRPC in and out, uncompressed, tags on, with and without V8's memory reducer. Each row: h2load warm-up runs, ` +
        `then (after idle) ${idleSeconds} s without traffic, then 3 runs of ${seconds} s (-c 4 -m 16), median CPU per span with the range. ` +
        'RSS before: at the start of the measured runs (after the idle spell where there was one).',
      '',
      ...table(
        ['otlp-tagger', 'load', 'CPU s / 1M spans (median; range)', 'vs as shipped', 'hop CPU %', 'spans/s', 'RSS before MiB', 'RSS max MiB', 'sent = received (spans)'],
        body,
        'll',
      ),
    ],
  };
}

/** P1, idle: every hop up with no traffic; CPU and RSS over 5 s after 2 s of settling. */
import type { BenchContext } from '../context.js';
import { benchTags, startHop, type HopName } from '../hops.js';
import { cpuSeconds, startSampler } from '../proc-stats.js';
import type { HopProcess } from '../processes.js';
import { num, table, type Section } from '../report.js';
import { collectorAt10k } from '../targets.js';

const hops: readonly HopName[] = ['otlp-tagger', 'tagger-core-http2', 'identity-http2', 'identity-grpcjs', 'naive-protobufjs'];
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

export async function runIdle(ctx: BenchContext): Promise<Section> {
  const seconds = 5 * ctx.timeScale;
  const started: { name: HopName; hop: HopProcess }[] = [];
  try {
    for (const name of hops) {
      const tags = name === 'identity-http2' || name === 'identity-grpcjs' ? '' : benchTags;
      started.push({ name, hop: await startHop(ctx, name, { protocol: 'grpc', compression: 'none', tags }) });
    }
    await sleep(2000);
    const windows = started.map(({ name, hop }) => ({ name, cpu0: cpuSeconds(hop.pid), sampler: startSampler(hop.pid), hop }));
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wall = (performance.now() - t0) / 1000;
    const rows = windows.map(({ name, cpu0, sampler, hop }) => {
      const cpu = cpuSeconds(hop.pid) - cpu0;
      const s = sampler.stop();
      return [name, num((cpu / wall) * 100, 2), num(s.cpuMaxPercent, 1), num(s.rssAvgBytes / 2 ** 20, 1), num(s.rssMaxBytes / 2 ** 20, 1)];
    });
    return {
      title: 'idle (P1)',
      lines: [
        `All hops started side by side, 2 s to settle, then ${seconds} s without traffic. CPU = the process's user + system time over wall time (% of one core); RSS sampled every 200 ms.`,
        '',
        ...table(['hop', 'CPU % avg', 'CPU % max (1 s)', 'RSS avg MiB', 'RSS max MiB'], rows, 'lrrrr'),
        '',
        `Collector anchor (idle): ${collectorAt10k.idle}.`,
      ],
    };
  } finally {
    await Promise.all(started.map(({ hop }) => hop.stop()));
  }
}

/**
 * P8 message-size sweep: realistic spans packed into requests of about 10 KB, 100 KB, 1 MB
 * and just under the 4 MiB gRPC receive limit (64 KiB left for the tags), closed loop with 4
 * requests in flight on one connection.
 */
import type { BenchContext } from '../context.js';
import { benchTags, hopPort, startHop, type HopName } from '../hops.js';
import { runGeneratorLeg } from '../legs.js';
import { deliveredMark, num, p50, p99, table, type Section } from '../report.js';

const sizes = [10_000, 100_000, 1_000_000, 4 * 1024 * 1024 - 64 * 1024];
const hops: readonly HopName[] = ['identity-http2', 'naive-protobufjs', 'otlp-tagger', 'tagger-core-http2'];

export async function runSizeSweep(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  for (const name of hops) {
    const hop = await startHop(ctx, name, { protocol: 'grpc', compression: 'none', tags: name === 'identity-http2' ? '' : benchTags });
    try {
      for (const bytes of sizes) {
        ctx.print(`  ${name} ${bytes} B …`);
        const leg = await runGeneratorLeg(ctx, hop, {
          protocol: 'grpc',
          port: hopPort(hop, 'grpc'),
          shape: 'realistic',
          spans: 100,
          bytes,
          gzip: false,
          rate: 0,
          concurrency: 4,
          connections: 1,
          warmupSeconds: 1 * ctx.timeScale,
          durationSeconds: 4 * ctx.timeScale,
        });
        const cpuPerMB = (leg.cpuPercent / 100 / leg.megabytesPerSecond) * 1000;
        rows.push([
          name,
          `${num(leg.requestBytes / 1e6, 3)} MB`,
          String(leg.spansPerRequest),
          num(leg.spansPerSecond / leg.spansPerRequest, 0),
          num(leg.megabytesPerSecond, 1),
          num(leg.cpuSecondsPerMillionSpans, 2),
          num(cpuPerMB, 2),
          num(p50(leg), 2),
          num(p99(leg), 2),
          num(leg.rssMaxMiB, 0),
          deliveredMark(leg),
        ]);
      }
    } finally {
      await hop.stop();
    }
  }
  return {
    title: 'size-sweep: request sizes up to the 4 MiB gRPC limit (P8)',
    lines: [
      'OTLP/gRPC, uncompressed, realistic spans (~780 B); Node generator closed loop, 4 requests in flight on one connection; ' +
        `${1 * ctx.timeScale} s warm-up, ${4 * ctx.timeScale} s measured per size. CPU ms / MB = hop CPU per megabyte of request forwarded.`,
      '',
      ...table(['hop', 'request', 'spans/req', 'req/s', 'MB/s', 'CPU s / 1M spans', 'CPU ms / MB', 'p50 ms', 'p99 ms', 'RSS max MiB', 'sent = received'], rows, 'll'),
    ],
  };
}

/** The load scenarios, by the names `npm run bench -- <name>` takes. */
import type { BenchContext } from './context.js';
import type { HopName } from './hops.js';
import type { Section } from './report.js';
import { runBatch } from './scenarios/batch.js';
import { runFixedRate } from './scenarios/fixed-rate.js';
import { runIdle } from './scenarios/idle.js';
import { runRamp } from './scenarios/ramp.js';
import { runHttpSaturation, runSaturation, runTagsOff } from './scenarios/saturation.js';
import { runSizeSweep } from './scenarios/size-sweep.js';
import { runYoungGen } from './scenarios/young-gen.js';
import { runMemoryReducer } from './scenarios/memory-reducer.js';

export interface LoadScenario {
  readonly name: string;
  readonly description: string;
  readonly run: (ctx: BenchContext) => Promise<Section>;
}

const grpcHops: readonly HopName[] = ['identity-http2', 'identity-grpcjs', 'naive-protobufjs', 'otlp-tagger', 'tagger-core-http2'];

export const loadScenarios: readonly LoadScenario[] = [
  { name: 'idle', description: 'P1: CPU and RSS of every hop, idle, 5 s', run: runIdle },
  {
    name: 'grpc-10k',
    description: 'P2: all hops side by side at 10k spans/s gRPC→gRPC, both span shapes (~4 min)',
    run: async (ctx) => ({ title: 'grpc-10k: 10k spans/s, OTLP/gRPC → OTLP/gRPC (P2)', lines: await runFixedRate(ctx, { protocol: 'grpc', gzip: false, hops: grpcHops }) }),
  },
  { name: 'saturation', description: 'P7: all hops at saturation (h2load -c 4 -m 16), CPU s per 1M spans, ratios, targets, chart (~3.5 min)', run: runSaturation },
  {
    name: 'http',
    description: 'P3: OTLP/HTTP protobuf at 10k spans/s and at saturation (~4 min)',
    run: async (ctx) => {
      const hops: HopName[] = ['identity-http2', 'naive-protobufjs', 'otlp-tagger'];
      const fixed = await runFixedRate(ctx, { protocol: 'http', gzip: false, hops });
      const saturated = await runHttpSaturation(ctx);
      return { title: 'http: OTLP/HTTP protobuf in and out (P3)', lines: [...fixed, '', ...saturated] };
    },
  },
  {
    name: 'gzip',
    description: 'P4: gzip in and out at 10k spans/s, gRPC and HTTP (~5 min)',
    run: async (ctx) => {
      const grpc = await runFixedRate(ctx, { protocol: 'grpc', gzip: true, hops: ['identity-http2', 'naive-protobufjs', 'otlp-tagger', 'tagger-core-http2'] });
      const http = await runFixedRate(ctx, { protocol: 'http', gzip: true, hops: ['naive-protobufjs', 'otlp-tagger'] });
      return { title: 'gzip: compressed in and out (P4)', lines: [...grpc, '', ...http] };
    },
  },
  { name: 'tags-off', description: 'P5: otlp-tagger with and without tags at saturation (~1.5 min)', run: runTagsOff },
  { name: 'ramp', description: 'P7: open-loop rate steps until p99 explodes or delivery fails (~3 min)', run: runRamp },
  { name: 'size-sweep', description: 'P8: request sizes 10 KB … 4 MiB through the hops (~1.5 min)', run: runSizeSweep },
  { name: 'young-gen', description: 'otlp-tagger with V8 semi-space caps: RSS and CPU at 10k spans/s and at saturation (~3.5 min)', run: runYoungGen },
  { name: 'memory-reducer', description: "otlp-tagger with and without V8's memory reducer: saturation when busy and after an idle spell (~6 min)", run: runMemoryReducer },
  { name: 'batch', description: 'otlp-tagger with the batch processor off and on, 10-span requests, fixed rate and saturation (~1.5 min)', run: runBatch },
];

export const defaultScenarios = ['idle', 'grpc-10k', 'saturation'];

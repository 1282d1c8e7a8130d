/**
 * The figures the issue quotes and the targets it sets. The benchmark prints them and says
 * whether they are met; no test asserts a timing.
 */

/** CPU seconds of the hop process per million spans, 2-core machine, h2load -c 4 -m 16 (the issue, item 3). */
export const knownFigures: readonly { readonly hop: string; readonly what: string; readonly testbed: string; readonly realistic: string }[] = [
  { hop: 'identity-http2', what: 'bare node:http2 unary pass-through', testbed: '0.9', realistic: '2.0' },
  { hop: 'identity-grpcjs', what: 'grpc-js pass-through, identity (de)serialisers', testbed: '2.1', realistic: '3.8' },
  { hop: 'naive-protobufjs', what: 'grpc-js + protobufjs decode → upsert → encode', testbed: '4.5', realistic: '11.2' },
  { hop: '(Go)', what: "Collector's pdata + grpc-go hop", testbed: '1.0–1.3', realistic: '3.8–4.2' },
];

export const targets = {
  /** CPU per span ≤ this × the bare node:http2 pass-through, both shapes, same run. */
  vsIdentityHttp2: 1.1,
  /** CPU per span ≤ this × the grpc-js + protobufjs hop, both shapes, same run. */
  vsNaive: 0.25,
  /** At 10k spans/s gRPC→gRPC: % of one core (the Collector's testbed: 6.2–6.5 %). */
  cpuPercentAt10k: 3,
  /** At 10k spans/s: RSS max, MiB (the Collector's testbed: 55–80 MiB). */
  rssMiBAt10k: 80,
  /** Added p99 latency at 10k spans/s, ms. */
  addedP99Millis: 2,
} as const;

/** The Collector's published 10k spans/s figures (performance-and-reliability.md §1.2). */
export const collectorAt10k = {
  grpc: 'CPU 6.2–6.5 % avg, RSS 55–56 MiB avg / 78–80 MiB max',
  http: 'CPU 5.4 % avg, RSS 51 MiB avg / 71–72 MiB max',
  grpcGzip: 'CPU 9.3–9.6 % avg',
  httpGzip: 'CPU 8.3–8.5 % avg',
  idle: 'CPU 0.5 % avg, RSS 45 MiB avg / 64 MiB max',
} as const;

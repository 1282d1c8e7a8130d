/**
 * The hops compared, all started with the same shape of command line (hops/hop-args.ts) and
 * measured from outside (proc-stats.ts):
 *
 *   identity-http2     bare node:http2 unary pass-through, frame bytes untouched (the floor);
 *                      over HTTP: bare node:http pass-through
 *   identity-grpcjs    grpc-js with identity (de)serialisers
 *   naive-protobufjs   grpc-js (or node:http) + protobufjs decode → upsert tags → encode
 *   otlp-tagger        the service itself, `node --no-memory-reducer dist/main.js`, as shipped
 *   tagger-core-http2  the service's core alone: receiver → agent_tags → exporter on the node:http2
 *                      transports, composed by the bench without the service's wrappers
 */
import { startListening, type HopProcess } from './processes.js';
import type { BenchContext } from './context.js';
import { taggerMain, taggerNodeFlags } from './context.js';

export type HopName = 'identity-http2' | 'identity-grpcjs' | 'naive-protobufjs' | 'otlp-tagger' | 'tagger-core-http2';
export type Protocol = 'grpc' | 'http';

export interface HopConfig {
  readonly protocol: Protocol;
  readonly compression: 'none' | 'gzip';
  /** `k=v,k=v`, or '' for none. */
  readonly tags: string;
}

/** The tags every tagging hop adds: three agent-level tags, none present in the requests. */
export const benchTags = 'env=uat,region=eu-west-1,cluster=bench-2';

export const hopProtocols: Readonly<Record<HopName, readonly Protocol[]>> = {
  'identity-http2': ['grpc', 'http'],
  'identity-grpcjs': ['grpc'],
  'naive-protobufjs': ['grpc', 'http'],
  'otlp-tagger': ['grpc', 'http'],
  'tagger-core-http2': ['grpc'],
};

/** The name shown in tables: over HTTP the node:http2 pass-through is a node:http one. */
export function hopLabel(name: HopName, protocol: Protocol): string {
  return name === 'identity-http2' && protocol === 'http' ? 'identity-http (node:http)' : name;
}

export function startHop(ctx: BenchContext, name: HopName, config: HopConfig): Promise<HopProcess> {
  const upstreamPort = config.protocol === 'grpc' ? ctx.sink.grpcPort : ctx.sink.httpPort;
  if (name === 'otlp-tagger') {
    const args = [
      taggerMain,
      '--grpc-endpoint', '127.0.0.1:0',
      '--http-endpoint', '127.0.0.1:0',
      '--upstream', `http://127.0.0.1:${upstreamPort}`,
      '--upstream-protocol', config.protocol === 'grpc' ? 'grpc' : 'http/protobuf',
      '--upstream-compression', config.compression,
      '--log-level', 'info',
    ];
    if (ctx.taggerHelp.includes('--admin-endpoint')) args.push('--admin-endpoint', 'off');
    if (config.tags !== '') args.push('--tags', config.tags);
    return startListening(args, taggerNodeFlags);
  }
  const args = [
    ctx.built.hops[name],
    '--listen', '127.0.0.1:0',
    '--upstream', `127.0.0.1:${upstreamPort}`,
    '--protocol', config.protocol,
    '--compression', config.compression,
  ];
  if (config.tags !== '') args.push('--tags', config.tags);
  return startListening(args, ctx.built.execArgv);
}

/**
 * otlp-tagger alone with extra flags (and Node flags: by default those it ships with), OTLP/gRPC
 * in and out, uncompressed, the bench's tags: for scenarios that compare settings of the service
 * rather than hops.
 */
export function startTagger(ctx: BenchContext, flags: readonly string[], nodeFlags: readonly string[] = taggerNodeFlags): Promise<HopProcess> {
  return startListening(
    [
      taggerMain,
      '--grpc-endpoint', '127.0.0.1:0',
      '--http-endpoint', '127.0.0.1:0',
      '--upstream', `http://127.0.0.1:${ctx.sink.grpcPort}`,
      '--upstream-protocol', 'grpc',
      '--upstream-compression', 'none',
      '--admin-endpoint', 'off',
      '--log-level', 'info',
      '--tags', benchTags,
      ...flags,
    ],
    nodeFlags,
  );
}

export function hopPort(hop: HopProcess, protocol: Protocol): number {
  const port = protocol === 'grpc' ? hop.grpcPort : hop.httpPort;
  if (port === undefined) throw new Error(`hop does not listen for ${protocol}`);
  return port;
}

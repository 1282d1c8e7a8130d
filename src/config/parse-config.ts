/**
 * The one validating parse: YAML (`unknown`) + flags + environment → a complete, frozen Config.
 * Precedence: flags > YAML > OTEL_EXPORTER_OTLP_* > defaults. Every problem found is reported in
 * one TaggerError(CONFIG), one per line; warnings go to `warn`.
 */
import { allSignals, type Signal } from '../otlp/signal.js';
import { mergeTags, parseTagSpec, type Env } from '../processor/tag-spec.js';
import type { Tag } from '../processor/tag-types.js';
import { configError, type CliArgs } from './cli-args.js';
import { deepFreeze, defaults, type Config, type ExporterConfig, type ReceiversConfig } from './config.js';
import { splitListenEndpoint, urlHostPort } from './endpoint.js';
import { expandEnv } from './expand-env.js';
import { readOtlpEnv } from './otlp-env.js';
import type { ExporterLayer } from './read-yaml-exporter.js';
import { readYamlConfig, type ReceiversLayer } from './read-yaml-config.js';
import { resolveExporter } from './resolve-exporter.js';

export interface ParseConfigOptions {
  /** Flags, already checked by `parseCliArgs`. */
  readonly args?: CliArgs;
  /** Receives each warning (ignored values, unset variables). */
  readonly warn?: (message: string) => void;
}

const noArgs: CliArgs = { tags: [], upstreamHeaders: {}, help: false, version: false };

function flagsLayer(args: CliArgs): ExporterLayer {
  return {
    where: '--upstream',
    kind: 'otlp',
    protocol: args.upstreamProtocol,
    endpoint: args.upstream,
    signalEndpoints: {},
    headers: args.upstreamHeaders,
    compression: args.upstreamCompression,
    timeoutMillis: args.upstreamTimeoutMillis,
    tls: { insecure: args.upstreamInsecure, caFile: args.upstreamCa, certFile: args.upstreamCert, keyFile: args.upstreamKey },
  };
}

/** `--upstream-*` flags that were given; meaningless when nothing is exported upstream. */
function upstreamFlagsGiven(args: CliArgs): string[] {
  const given: [string, unknown][] = [
    ['--upstream-protocol', args.upstreamProtocol],
    ['--upstream-header', Object.keys(args.upstreamHeaders).length > 0 ? true : undefined],
    ['--upstream-compression', args.upstreamCompression],
    ['--upstream-timeout', args.upstreamTimeoutMillis],
    ['--upstream-ca', args.upstreamCa],
    ['--upstream-cert', args.upstreamCert],
    ['--upstream-key', args.upstreamKey],
    ['--upstream-insecure', args.upstreamInsecure],
  ];
  return given.filter(([, value]) => value !== undefined).map(([flag]) => flag);
}

function resolveReceivers(args: CliArgs, yaml: ReceiversLayer | undefined, errors: string[]): ReceiversConfig {
  const base: ReceiversLayer = yaml ?? { grpc: {}, http: {} };
  const receivers: ReceiversConfig = {
    grpc:
      base.grpc === null && args.grpcEndpoint === undefined
        ? null
        : {
            endpoint: args.grpcEndpoint ?? base.grpc?.endpoint ?? defaults.grpcEndpoint,
            maxRecvMsgSizeBytes: base.grpc?.maxRecvMsgSizeBytes ?? defaults.grpcMaxRecvMsgSizeBytes,
          },
    http:
      base.http === null && args.httpEndpoint === undefined
        ? null
        : {
            endpoint: args.httpEndpoint ?? base.http?.endpoint ?? defaults.httpEndpoint,
            maxRequestBodyBytes: base.http?.maxRequestBodyBytes ?? defaults.httpMaxRequestBodyBytes,
          },
  };
  if (receivers.grpc !== null && receivers.http !== null) {
    const g = splitListenEndpoint(receivers.grpc.endpoint);
    const h = splitListenEndpoint(receivers.http.endpoint);
    if (g.port !== 0 && g.port === h.port && (g.host === h.host || isWildcard(g.host) || isWildcard(h.host))) {
      errors.push(`receivers: gRPC (${receivers.grpc.endpoint}) and HTTP (${receivers.http.endpoint}) cannot share a port`);
    }
  }
  return receivers;
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '[::]';
}

function isThisHost(host: string): boolean {
  return isWildcard(host) || host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/** An upstream on one of our own listen addresses would send every request back to us, forever. */
function checkNoLoop(exporter: ExporterConfig, receivers: ReceiversConfig, served: readonly Signal[], errors: string[]): void {
  if (exporter.type !== 'otlp') return;
  const listening = [receivers.grpc, receivers.http].filter((r) => r !== null).map((r) => r.endpoint);
  const upstreams = new Set(served.map((signal) => exporter.endpoints[signal]).filter((url) => url !== ''));
  const seen = new Set<string>();
  for (const url of upstreams) {
    const up = urlHostPort(url);
    const hostPort = `${up.host}:${up.port}`;
    if (seen.has(hostPort)) continue;
    seen.add(hostPort);
    for (const endpoint of listening) {
      const own = splitListenEndpoint(endpoint);
      if (own.port === up.port && (up.host === own.host || (isThisHost(up.host) && (isWildcard(own.host) || isThisHost(own.host))))) {
        errors.push(`the upstream ${hostPort} is this process's own listen address ${endpoint}: it would export to itself`);
      }
    }
  }
}

export function parseConfig(raw: unknown, env: Env = process.env, options: ParseConfigOptions = {}): Config {
  const args = options.args ?? noArgs;
  const errors: string[] = [];
  const warnings: string[] = [];
  const yaml = readYamlConfig(expandEnv(raw, env, { errors, warnings }), env, errors);

  const flagTags: Tag[][] = args.tags.map((spec) => {
    try {
      return parseTagSpec(spec, env);
    } catch (err) {
      errors.push(`--tags "${spec}": ${(err as Error).message}`);
      return [];
    }
  });

  const receivers = resolveReceivers(args, yaml.receivers, errors);
  const pipelines = yaml.pipelines ?? { traces: true, logs: true, metrics: true };
  const served = allSignals.filter((signal) => pipelines[signal]);
  const exporter = resolveExporter(
    { flags: flagsLayer(args), yaml: yaml.exporter, env: readOtlpEnv(env, warnings), served },
    { errors, warnings },
  );
  const unused = upstreamFlagsGiven(args);
  if (exporter.type === 'debug' && unused.length > 0) {
    errors.push(
      `${unused.join(', ')}: no upstream is configured (--upstream, exporters.otlp or exporters.otlphttp in --config, ` +
        'or OTEL_EXPORTER_OTLP_ENDPOINT)',
    );
  }
  checkNoLoop(exporter, receivers, served, errors);

  for (const warning of warnings) options.warn?.(warning);
  if (errors.length > 0) throw configError([...new Set(errors)]);
  return deepFreeze({
    receivers,
    processor: {
      rules: {
        tags: mergeTags(yaml.tags?.tags ?? [], ...flagTags),
        defaultPolicy: args.collision ?? yaml.tags?.collision ?? defaults.collision,
        policies: yaml.tags?.policies ?? {},
        prefix: args.collisionPrefix ?? yaml.tags?.prefix ?? defaults.prefix,
      },
    },
    exporter,
    pipelines,
    log: { level: args.logLevel ?? yaml.logLevel ?? defaults.logLevel },
  });
}

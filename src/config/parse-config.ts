/**
 * The one validating parse: YAML (`unknown`) + flags + environment → a complete, frozen Config.
 * Precedence: flags > YAML > OTEL_EXPORTER_OTLP_* > defaults. Every problem found is reported in
 * one TaggerError(CONFIG), one per line; warnings go to `warn`. Besides reading its arguments it
 * only checks that the TLS and token files it names are readable (resolve-receivers.ts).
 */
import { allSignals, type Signal } from '../otlp/signal.js';
import { mergeTags, parseTagSpec, type Env } from '../processor/tag-spec.js';
import type { Tag } from '../processor/tag-types.js';
import { configError, type CliArgs } from './cli-args.js';
import { deepFreeze, defaults, type AdminConfig, type Config, type ExporterConfig, type ReceiversConfig } from './config.js';
import { isThisHost, isWildcardHost, sharePort, splitListenEndpoint, urlHostPort } from './endpoint.js';
import { expandEnv } from './expand-env.js';
import { readOtlpEnv } from './otlp-env.js';
import { readYamlConfig, type AdminLayer } from './read-yaml-config.js';
import type { ExporterLayer } from './read-yaml-exporter.js';
import { resolveBatch } from './resolve-batch.js';
import { resolveDelivery } from './resolve-delivery.js';
import { resolveExporter } from './resolve-exporter.js';
import { resolveLimits } from './resolve-limits.js';
import { resolveReceivers } from './resolve-receivers.js';

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
    tls: {
      insecure: args.upstreamInsecure,
      caFile: args.upstreamCa,
      certFile: args.upstreamCert,
      keyFile: args.upstreamKey,
      insecureSkipVerify: args.upstreamInsecureSkipVerify,
      serverName: args.upstreamServerName,
    },
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
    ['--upstream-server-name', args.upstreamServerName],
    ['--upstream-insecure-skip-verify', args.upstreamInsecureSkipVerify],
    ['--upstream-insecure', args.upstreamInsecure],
    ['--upstream-max-request-bytes', args.upstreamMaxRequestBytes],
  ];
  return given.filter(([, value]) => value !== undefined).map(([flag]) => flag);
}

/** Flags > YAML (`extensions.health_check`, enabled per `service.extensions`) > default. */
function resolveAdmin(flag: string | null | undefined, yaml: AdminLayer | null | undefined): AdminConfig | null {
  if (flag !== undefined) return flag === null ? null : { endpoint: flag };
  if (yaml === null) return null;
  return { endpoint: yaml?.endpoint ?? defaults.adminEndpoint };
}

function checkAdminPort(admin: AdminConfig | null, receivers: ReceiversConfig, errors: string[]): void {
  if (admin === null) return;
  const listeners = [['gRPC', receivers.grpc], ['HTTP', receivers.http]] as const;
  for (const [name, receiver] of listeners) {
    if (receiver !== null && sharePort(admin.endpoint, receiver.endpoint)) {
      errors.push(`the admin endpoint (${admin.endpoint}) and the ${name} receiver (${receiver.endpoint}) cannot share a port`);
    }
  }
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
      if (own.port === up.port && (up.host === own.host || (isThisHost(up.host) && (isWildcardHost(own.host) || isThisHost(own.host))))) {
        errors.push(`the upstream ${hostPort} is this process's own listen address ${endpoint}: it would export to itself`);
      }
    }
  }
}

export function parseConfig(raw: unknown, env: Env = process.env, options: ParseConfigOptions = {}): Config {
  const args = options.args ?? noArgs;
  const errors: string[] = [];
  const warnings: string[] = [];
  const yaml = readYamlConfig(expandEnv(raw, env, { errors, warnings }), env, errors, warnings);

  const flagTags: Tag[][] = args.tags.map((spec) => {
    try {
      return parseTagSpec(spec, env);
    } catch (err) {
      errors.push(`--tags "${spec}": ${(err as Error).message}`);
      return [];
    }
  });

  const receivers = resolveReceivers(args, yaml.receivers, { errors, warnings });
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
  const delivery = resolveDelivery(
    { args, exporter: yaml.exporter, shutdownTimeoutMillis: yaml.shutdownTimeoutMillis, maxInflightBytes: yaml.maxInflightBytes },
    exporter,
    errors,
  );
  const batch = resolveBatch(args, yaml.batch, delivery, errors);
  const admin = resolveAdmin(args.adminEndpoint, yaml.admin);
  checkAdminPort(admin, receivers, errors);
  const tags = mergeTags(yaml.tags?.tags ?? [], ...flagTags);
  const limits = resolveLimits(yaml.receivers, tags, errors);

  for (const warning of warnings) options.warn?.(warning);
  if (errors.length > 0) throw configError([...new Set(errors)]);
  return deepFreeze({
    receivers,
    processor: {
      rules: {
        tags,
        defaultPolicy: args.collision ?? yaml.tags?.collision ?? defaults.collision,
        policies: yaml.tags?.policies ?? {},
        prefix: args.collisionPrefix ?? yaml.tags?.prefix ?? defaults.prefix,
      },
    },
    exporter,
    pipelines,
    log: { level: args.logLevel ?? yaml.logLevel ?? defaults.logLevel },
    delivery,
    admin,
    limits,
    batch,
  });
}

/**
 * Command-line flags. Values are validated here (enums, durations, headers); tag specs are parsed
 * later with the environment (parse-config.ts). `--flag value` and `--flag=value` both work; a
 * repeated single-value flag takes its last value; `--tags` and `--upstream-header` accumulate.
 */
import { ErrorCode, TaggerError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import { collisionPolicies, type CollisionPolicy } from '../processor/tag-types.js';
import { compressions, defaults, logLevels, otlpProtocols, type Compression, type OtlpProtocol } from './config.js';
import { parseDurationMillis } from './duration.js';
import { checkListenEndpoint } from './endpoint.js';
import { checkHeader } from './headers.js';

export interface CliArgs {
  /** Tag specs in the order given (`--tags`, `--agent.tags`, `--jaeger.tags`). */
  readonly tags: readonly string[];
  readonly collision?: CollisionPolicy;
  readonly collisionPrefix?: string;
  readonly upstream?: string;
  readonly upstreamProtocol?: OtlpProtocol;
  /** Lower-case names. */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
  readonly upstreamCompression?: Compression;
  readonly upstreamTimeoutMillis?: number;
  readonly upstreamCa?: string;
  readonly upstreamCert?: string;
  readonly upstreamKey?: string;
  /** Only ever `true` (given) or absent. */
  readonly upstreamInsecure?: boolean;
  readonly grpcEndpoint?: string;
  readonly httpEndpoint?: string;
  readonly config?: string;
  readonly logLevel?: LogLevel;
  readonly help: boolean;
  readonly version: boolean;
}

interface FlagSpec {
  readonly names: readonly string[];
  /** `undefined` for a boolean flag. */
  readonly value?: string;
  readonly help: string;
}

/** The flag table; `--help` is generated from it. */
export const flagSpecs: readonly FlagSpec[] = [
  { names: ['--tags', '--agent.tags', '--jaeger.tags'], value: 'SPEC', help: 'tags to add, k1=v1,k2=${VAR:default} (repeatable; later keys win)' },
  { names: ['--collision'], value: collisionPolicies.join('|'), help: `when a resource already has the key (default ${defaults.collision})` },
  { names: ['--collision-prefix'], value: 'PREFIX', help: `key prefix for prefix-and-keep (default "${defaults.prefix}")` },
  { names: ['--upstream'], value: 'URL', help: 'where to export: gRPC http(s)://host:port or host:port; HTTP base URL (/v1/<signal> is appended). Without any upstream: the debug exporter (stdout)' },
  { names: ['--upstream-protocol'], value: otlpProtocols.join('|'), help: 'default grpc (http/protobuf when the endpoint comes from OTEL_EXPORTER_OTLP_ENDPOINT)' },
  { names: ['--upstream-header'], value: 'K=V', help: 'header / gRPC metadata sent upstream (repeatable)' },
  { names: ['--upstream-compression'], value: compressions.join('|'), help: `default ${defaults.compression}` },
  { names: ['--upstream-timeout'], value: 'DURATION', help: `per export, e.g. 10s, 500ms; 0 = no limit (default ${defaults.timeoutMillis / 1000}s)` },
  { names: ['--upstream-ca'], value: 'FILE', help: 'PEM CA bundle to verify the upstream with' },
  { names: ['--upstream-cert'], value: 'FILE', help: 'PEM client certificate (mTLS; with --upstream-key)' },
  { names: ['--upstream-key'], value: 'FILE', help: 'PEM client key (mTLS; with --upstream-cert)' },
  { names: ['--upstream-insecure'], help: 'plaintext gRPC for a scheme-less host:port upstream (a URL scheme always decides)' },
  { names: ['--grpc-endpoint'], value: 'HOST:PORT', help: `OTLP/gRPC listen address (default ${defaults.grpcEndpoint})` },
  { names: ['--http-endpoint'], value: 'HOST:PORT', help: `OTLP/HTTP listen address (default ${defaults.httpEndpoint})` },
  { names: ['--config'], value: 'FILE', help: 'Collector-shaped YAML configuration; flags override it' },
  { names: ['--log-level'], value: logLevels.join('|'), help: `default ${defaults.logLevel}` },
  { names: ['--help', '-h'], help: 'print this help and exit' },
  { names: ['--version'], help: 'print the version and exit' },
];

function canonical(spec: FlagSpec): string {
  return spec.names[0];
}

const byName = new Map(flagSpecs.flatMap((spec) => spec.names.map((name) => [name, spec] as const)));

function oneOf<T extends string>(known: readonly T[], flag: string, value: string): T {
  if ((known as readonly string[]).includes(value)) return value as T;
  throw new Error(`${flag}: "${value}" is not one of ${known.join(', ')}`);
}

function nonEmpty(flag: string, value: string): string {
  if (value === '') throw new Error(`${flag}: must not be empty`);
  return value;
}

function listenEndpoint(flag: string, value: string): string {
  try {
    return checkListenEndpoint(value);
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}`);
  }
}

/** Parses argv (without node and the script). Throws TaggerError(CONFIG) listing every problem. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const problems: string[] = [];
  const tags: string[] = [];
  const headers: Record<string, string> = {};
  const values = new Map<string, string>();
  const booleans = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const spec = byName.get(name);
    if (spec === undefined) {
      problems.push(arg.startsWith('-') ? `unknown flag ${name}; see --help` : `unexpected argument "${arg}"; see --help`);
      continue;
    }
    const flag = canonical(spec);
    if (spec.value === undefined) {
      if (eq !== -1) problems.push(`${name} takes no value`);
      else booleans.add(flag);
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else {
      problems.push(`${name} needs a value (${spec.value})`);
      continue;
    }
    if (flag === '--tags') tags.push(value);
    else if (flag === '--upstream-header') {
      try {
        const at = value.indexOf('=');
        if (at === -1) throw new Error(`"${value}" has no "="; expected K=V`);
        const [key, checked] = checkHeader(value.slice(0, at).trim(), value.slice(at + 1).trim());
        headers[key] = checked;
      } catch (err) {
        problems.push(`--upstream-header: ${(err as Error).message}`);
      }
    } else values.set(flag, value);
  }

  const get = <T>(flag: string, convert: (value: string) => T): T | undefined => {
    const value = values.get(flag);
    if (value === undefined) return undefined;
    try {
      return convert(value);
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };

  const args: CliArgs = {
    tags,
    collision: get('--collision', (v) => oneOf(collisionPolicies, '--collision', v)),
    collisionPrefix: get('--collision-prefix', (v) => nonEmpty('--collision-prefix', v)),
    upstream: get('--upstream', (v) => nonEmpty('--upstream', v)),
    upstreamProtocol: get('--upstream-protocol', (v) => oneOf(otlpProtocols, '--upstream-protocol', v)),
    upstreamHeaders: headers,
    upstreamCompression: get('--upstream-compression', (v) => oneOf(compressions, '--upstream-compression', v)),
    upstreamTimeoutMillis: get('--upstream-timeout', (v) => {
      const millis = parseDurationMillis(v);
      if (millis === undefined) throw new Error(`--upstream-timeout: expected a duration like 10s or 500ms, got "${v}"`);
      return millis;
    }),
    upstreamCa: get('--upstream-ca', (v) => nonEmpty('--upstream-ca', v)),
    upstreamCert: get('--upstream-cert', (v) => nonEmpty('--upstream-cert', v)),
    upstreamKey: get('--upstream-key', (v) => nonEmpty('--upstream-key', v)),
    upstreamInsecure: booleans.has('--upstream-insecure') ? true : undefined,
    grpcEndpoint: get('--grpc-endpoint', (v) => listenEndpoint('--grpc-endpoint', v)),
    httpEndpoint: get('--http-endpoint', (v) => listenEndpoint('--http-endpoint', v)),
    config: get('--config', (v) => nonEmpty('--config', v)),
    logLevel: get('--log-level', (v) => oneOf(logLevels, '--log-level', v)),
    help: booleans.has('--help'),
    version: booleans.has('--version'),
  };
  if (problems.length > 0) throw configError(problems);
  return args;
}

/** One CONFIG error for one or several problems, one per line. */
export function configError(problems: readonly string[]): TaggerError {
  const message =
    problems.length === 1 ? problems[0] : `${problems.length} configuration errors:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new TaggerError(ErrorCode.CONFIG, message);
}

/** `--help` text. */
export function usage(): string {
  const lines = flagSpecs.flatMap((spec) => [
    `  ${spec.names.join(', ')}${spec.value === undefined ? '' : ` ${spec.value}`}`,
    `        ${spec.help}`,
  ]);
  return [
    'Usage: otlp-tagger [flags]',
    '',
    'Receives OTLP (gRPC and HTTP), adds tags to the resource of every span, log record and',
    'metric, and forwards upstream over OTLP.',
    '',
    'Flags:',
    ...lines,
    '',
    'Tag values: ${VAR} / ${VAR:default} read the environment (an empty variable counts as unset;',
    '${VAR} unset drops the tag); $<VAR:default> is the same, for shells and YAML where ${} is taken.',
    'Precedence: flags > --config YAML > OTEL_EXPORTER_OTLP_* environment > defaults.',
    '',
    'Example:',
    "  otlp-tagger --tags 'env=uat,account=$<ACCT:none>' --upstream http://tempo:4317",
    '',
  ].join('\n');
}

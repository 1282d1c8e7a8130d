/**
 * Command-line flags (the table is in usage.ts). Values are validated here (enums, durations,
 * sizes, headers, listen addresses); tag specs are parsed later with the environment
 * (parse-config.ts). `--flag value` and `--flag=value` both work; a repeated single-value flag
 * takes its last value; `--tags`, `--upstream-header` and `--forward-header` accumulate.
 */
import { ErrorCode, TaggerError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import { collisionPolicies, type CollisionPolicy } from '../processor/tag-types.js';
import { parseByteSize } from './byte-size.js';
import { compressions, deliveryModes, logLevels, minByteLimit, otlpProtocols, type Compression, type DeliveryMode, type OtlpProtocol } from './config.js';
import { parseDurationMillis } from './duration.js';
import { checkListenEndpoint } from './endpoint.js';
import { checkForwardHeader, checkHeader } from './headers.js';
import { parseFsync } from './read-yaml-delivery.js';
import { checkMinBytes } from './read-value.js';
import { flagSpecs, type FlagSpec } from './usage.js';

export { flagSpecs, usage } from './usage.js';

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
  readonly upstreamServerName?: string;
  /** Only ever `true` (given) or absent. */
  readonly upstreamInsecureSkipVerify?: boolean;
  /** Only ever `true` (given) or absent. */
  readonly upstreamInsecure?: boolean;
  readonly upstreamMaxRequestBytes?: number;
  readonly delivery?: DeliveryMode;
  readonly queueDir?: string;
  readonly queueMaxBytes?: number;
  readonly fsync?: 'always' | number;
  readonly maxInflightBytes?: number;
  readonly shutdownTimeoutMillis?: number;
  /** Given at all: batching on, unless 0. */
  readonly batchTimeoutMillis?: number;
  readonly batchMaxBytes?: number;
  readonly grpcEndpoint?: string;
  readonly httpEndpoint?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsClientCa?: string;
  readonly authTokenFile?: string;
  /** Lower-case, without duplicates; `[]` for `--forward-header none`; absent when not given. */
  readonly forwardHeaders?: readonly string[];
  /** `null` for `--admin-endpoint off` (or `none`). */
  readonly adminEndpoint?: string | null;
  readonly config?: string;
  readonly logLevel?: LogLevel;
  readonly help: boolean;
  readonly version: boolean;
}

function canonical(spec: FlagSpec): string {
  return spec.names[0];
}

const byName = new Map(flagSpecs.flatMap((spec) => spec.names.map((name) => [name, spec] as const)));

/** Flags that may be given more than once, each value kept. */
const repeatable = new Set(['--tags', '--upstream-header', '--forward-header']);

function oneOf<T extends string>(known: readonly T[], flag: string, value: string): T {
  if ((known as readonly string[]).includes(value)) return value as T;
  throw new Error(`${flag}: "${value}" is not one of ${known.join(', ')}`);
}

function nonEmpty(flag: string, value: string): string {
  if (value === '') throw new Error(`${flag}: must not be empty`);
  return value;
}

/** Runs `check`, prefixing the plain Error it may throw with the flag. */
function named<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}`);
  }
}

function duration(flag: string, value: string, { positive = false } = {}): number {
  const millis = parseDurationMillis(value);
  if (millis === undefined) throw new Error(`${flag}: expected a duration like 10s or 500ms, got "${value}"`);
  if (positive && millis === 0) throw new Error(`${flag}: must be more than 0`);
  return millis;
}

function byteSize(flag: string, value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined) throw new Error(`${flag}: expected a size in bytes, e.g. 4194304 or 4MiB, got "${value}"`);
  const problem = checkMinBytes(bytes, minByteLimit);
  if (problem !== undefined) throw new Error(`${flag}: ${problem}`);
  return bytes;
}

function forwardHeaders(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.includes('none')) {
    if (values.length > 1) throw new Error('--forward-header: none cannot be combined with header names');
    return [];
  }
  return [...new Set(values.map((name) => named('--forward-header', () => checkForwardHeader(name))))];
}

/** Parses argv (without node and the script). Throws TaggerError(CONFIG) listing every problem. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const problems: string[] = [];
  const lists = new Map<string, string[]>();
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
    if (flag === '--upstream-header') {
      try {
        const at = value.indexOf('=');
        if (at === -1) throw new Error(`"${value}" has no "="; expected K=V`);
        const [key, checked] = checkHeader(value.slice(0, at).trim(), value.slice(at + 1).trim());
        headers[key] = checked;
      } catch (err) {
        problems.push(`--upstream-header: ${(err as Error).message}`);
      }
    } else if (repeatable.has(flag)) lists.set(flag, [...(lists.get(flag) ?? []), value]);
    else values.set(flag, value);
  }

  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const get = <T>(flag: string, convert: (value: string) => T): T | undefined => {
    const value = values.get(flag);
    return value === undefined ? undefined : attempt(() => convert(value));
  };
  const file = (flag: string) => get(flag, (v) => nonEmpty(flag, v));
  const listen = (flag: string) => get(flag, (v) => named(flag, () => checkListenEndpoint(v)));
  const flagged = (flag: string) => (booleans.has(flag) ? true : undefined);

  const args: CliArgs = {
    tags: lists.get('--tags') ?? [],
    collision: get('--collision', (v) => oneOf(collisionPolicies, '--collision', v)),
    collisionPrefix: get('--collision-prefix', (v) => nonEmpty('--collision-prefix', v)),
    upstream: get('--upstream', (v) => nonEmpty('--upstream', v)),
    upstreamProtocol: get('--upstream-protocol', (v) => oneOf(otlpProtocols, '--upstream-protocol', v)),
    upstreamHeaders: headers,
    upstreamCompression: get('--upstream-compression', (v) => oneOf(compressions, '--upstream-compression', v)),
    upstreamTimeoutMillis: get('--upstream-timeout', (v) => duration('--upstream-timeout', v)),
    upstreamCa: file('--upstream-ca'),
    upstreamCert: file('--upstream-cert'),
    upstreamKey: file('--upstream-key'),
    upstreamServerName: get('--upstream-server-name', (v) => nonEmpty('--upstream-server-name', v)),
    upstreamInsecureSkipVerify: flagged('--upstream-insecure-skip-verify'),
    upstreamInsecure: flagged('--upstream-insecure'),
    upstreamMaxRequestBytes: get('--upstream-max-request-bytes', (v) => byteSize('--upstream-max-request-bytes', v)),
    delivery: get('--delivery', (v) => oneOf(deliveryModes, '--delivery', v)),
    queueDir: file('--queue-dir'),
    queueMaxBytes: get('--queue-max-bytes', (v) => byteSize('--queue-max-bytes', v)),
    fsync: get('--fsync', (v) => named('--fsync', () => parseFsync(v))),
    maxInflightBytes: get('--max-inflight-bytes', (v) => byteSize('--max-inflight-bytes', v)),
    shutdownTimeoutMillis: get('--shutdown-timeout', (v) => duration('--shutdown-timeout', v, { positive: true })),
    batchTimeoutMillis: get('--batch-timeout', (v) => duration('--batch-timeout', v)),
    batchMaxBytes: get('--batch-max-bytes', (v) => byteSize('--batch-max-bytes', v)),
    grpcEndpoint: listen('--grpc-endpoint'),
    httpEndpoint: listen('--http-endpoint'),
    tlsCert: file('--tls-cert'),
    tlsKey: file('--tls-key'),
    tlsClientCa: file('--tls-client-ca'),
    authTokenFile: file('--auth-token-file'),
    forwardHeaders: attempt(() => forwardHeaders(lists.get('--forward-header'))),
    adminEndpoint: get('--admin-endpoint', (v) => (v === 'off' || v === 'none' ? null : named('--admin-endpoint', () => checkListenEndpoint(v)))),
    config: file('--config'),
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

/**
 * Reads a Collector-shaped YAML document (already env-expanded) into a partial layer that
 * parse-config.ts merges with flags and the environment. Every problem is pushed onto `errors`
 * with its path; nothing here throws.
 *
 * Components are named `type` or `type/name`, as in the Collector. otlp-tagger runs one receiver,
 * one processor and one exporter for all pipelines, so the pipelines must agree on them.
 */
import type { LogLevel } from '../logger.js';
import { allSignals, type Signal } from '../otlp/signal.js';
import type { Env } from '../processor/tag-spec.js';
import type { CollisionPolicy, Tag } from '../processor/tag-types.js';
import { logLevels, MiB } from './config.js';
import { checkListenEndpoint } from './endpoint.js';
import { readExporter, type ExporterLayer } from './read-yaml-exporter.js';
import { readAgentTags } from './read-yaml-tags.js';
import { checkKeys, join, readMap, readOneOf, readPositiveInteger, readStringList, show } from './read-value.js';

export interface ReceiversLayer {
  readonly grpc: { readonly endpoint?: string; readonly maxRecvMsgSizeBytes?: number } | null;
  readonly http: { readonly endpoint?: string; readonly maxRequestBodyBytes?: number } | null;
}

export interface TagsLayer {
  readonly tags: readonly Tag[];
  readonly collision?: CollisionPolicy;
  readonly prefix?: string;
  readonly policies: Readonly<Record<string, CollisionPolicy>>;
}

export interface YamlLayer {
  readonly receivers?: ReceiversLayer;
  readonly tags?: TagsLayer;
  readonly exporter?: ExporterLayer;
  readonly pipelines?: Readonly<Record<Signal, boolean>>;
  readonly logLevel?: LogLevel;
}

type Kind = 'receivers' | 'processors' | 'exporters';

const knownTypes: Record<Kind, readonly string[]> = {
  receivers: ['otlp'],
  processors: ['agent_tags'],
  exporters: ['otlp', 'otlphttp', 'debug'],
};

function endpointOf(value: unknown, path: string, errors: string[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    if (typeof value !== 'string') throw new Error(`expected "host:port" (e.g. 0.0.0.0:4317), got ${show(value)}`);
    return checkListenEndpoint(value);
  } catch (err) {
    errors.push(`${path}: ${(err as Error).message}`);
    return undefined;
  }
}

function readOtlpReceiver(value: unknown, path: string, errors: string[]): ReceiversLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, ['protocols'], errors);
  const protocolsPath = join(path, 'protocols');
  const protocols = readMap(map.protocols, protocolsPath, errors);
  if (protocols === undefined) return undefined;
  checkKeys(protocols, protocolsPath, ['grpc', 'http'], errors);
  if (!('grpc' in protocols) && !('http' in protocols)) {
    errors.push(`${protocolsPath}: must enable grpc, http or both`);
    return undefined;
  }
  let grpc: ReceiversLayer['grpc'] = null;
  if ('grpc' in protocols) {
    const p = join(protocolsPath, 'grpc');
    const g = readMap(protocols.grpc, p, errors) ?? {};
    checkKeys(g, p, ['endpoint', 'max_recv_msg_size_mib'], errors);
    const mib = readPositiveInteger(g.max_recv_msg_size_mib, join(p, 'max_recv_msg_size_mib'), errors);
    grpc = { endpoint: endpointOf(g.endpoint, join(p, 'endpoint'), errors), maxRecvMsgSizeBytes: mib === undefined ? undefined : mib * MiB };
  }
  let http: ReceiversLayer['http'] = null;
  if ('http' in protocols) {
    const p = join(protocolsPath, 'http');
    const h = readMap(protocols.http, p, errors) ?? {};
    checkKeys(h, p, ['endpoint', 'max_request_body_size'], errors);
    http = {
      endpoint: endpointOf(h.endpoint, join(p, 'endpoint'), errors),
      maxRequestBodyBytes: readPositiveInteger(h.max_request_body_size, join(p, 'max_request_body_size'), errors),
    };
  }
  return { grpc, http };
}

/** Reads every component of one kind; the result maps component id → what it read (or undefined on error). */
function readComponents<T>(
  root: Record<string, unknown>,
  kind: Kind,
  read: (type: string, value: unknown, path: string) => T | undefined,
  errors: string[],
): Map<string, T | undefined> {
  const components = new Map<string, T | undefined>();
  const section = readMap(root[kind], kind, errors);
  if (section === undefined) return components;
  for (const [id, value] of Object.entries(section)) {
    const type = id.split('/')[0];
    const path = join(kind, id);
    if (!knownTypes[kind].includes(type)) {
      errors.push(`${path}: unknown component; known: ${knownTypes[kind].join(', ')}`);
      continue;
    }
    components.set(id, read(type, value, path));
  }
  return components;
}

interface Pipelines {
  readonly served: Readonly<Record<Signal, boolean>>;
  /** The component id each kind uses, when the pipelines name one. */
  readonly used: Readonly<Record<Kind, string | undefined>>;
}

function readPipelines(value: unknown, defined: Record<Kind, Map<string, unknown>>, errors: string[]): Pipelines | undefined {
  const path = 'service.pipelines';
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, allSignals, errors, 'pipeline');
  const served = { traces: false, logs: false, metrics: false };
  const lists: Record<Kind, Map<string, string>> = { receivers: new Map(), processors: new Map(), exporters: new Map() };
  for (const signal of allSignals) {
    if (!(signal in map)) continue;
    served[signal] = true;
    const p = join(path, signal);
    const pipeline = readMap(map[signal], p, errors);
    if (pipeline === undefined) continue;
    checkKeys(pipeline, p, ['receivers', 'processors', 'exporters'], errors);
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      const listPath = join(p, kind);
      const ids = readStringList(pipeline[kind], listPath, errors) ?? [];
      const min = kind === 'processors' ? 0 : 1;
      if (ids.length < min || ids.length > 1) {
        errors.push(`${listPath}: expected ${min === 0 ? 'at most' : 'exactly'} one ${kind.slice(0, -1)}, got ${ids.length}`);
        continue;
      }
      for (const id of ids) {
        if (!defined[kind].has(id)) errors.push(`${listPath}: ${show(id)} is not defined under ${kind}`);
      }
      lists[kind].set(signal, ids[0] ?? '');
    }
  }
  if (!allSignals.some((signal) => served[signal])) {
    errors.push(`${path}: no pipeline; define at least one of traces, logs, metrics`);
    return undefined;
  }
  const used = { receivers: undefined, processors: undefined, exporters: undefined } as Record<Kind, string | undefined>;
  for (const kind of ['receivers', 'processors', 'exporters'] as const) {
    const ids = new Set(lists[kind].values());
    if (ids.size > 1) {
      const each = [...lists[kind]].map(([signal, id]) => `${signal}: ${id === '' ? 'none' : id}`).join(', ');
      errors.push(`${path}: every pipeline must use the same ${kind} (otlp-tagger runs one of each); got ${each}`);
    } else if (ids.size === 1) {
      used[kind] = [...ids][0] || undefined;
    }
  }
  return { served, used };
}

/** Without pipelines, a kind's only component is the one used; several need pipelines to choose. */
function soleComponent(kind: Kind, defined: Map<string, unknown>, errors: string[]): string | undefined {
  if (defined.size > 1) {
    errors.push(`${kind}: ${[...defined.keys()].join(', ')} are defined; choose one with service.pipelines`);
    return undefined;
  }
  return [...defined.keys()][0];
}

export function readYamlConfig(raw: unknown, env: Env, errors: string[]): YamlLayer {
  const root = readMap(raw, 'the configuration', errors);
  if (root === undefined) return {};
  checkKeys(root, '', ['receivers', 'processors', 'exporters', 'service'], errors, 'section');

  const receivers = readComponents(root, 'receivers', (_type, value, path) => readOtlpReceiver(value, path, errors), errors);
  const processors = readComponents(root, 'processors', (_type, value, path) => readAgentTags(value, path, env, errors), errors);
  const exporters = readComponents(root, 'exporters', (type, value, path) => readExporter(type, value, path, errors), errors);

  const service = readMap(root.service, 'service', errors) ?? {};
  checkKeys(service, 'service', ['pipelines', 'telemetry'], errors);
  const telemetry = readMap(service.telemetry, 'service.telemetry', errors) ?? {};
  checkKeys(telemetry, 'service.telemetry', ['logs'], errors);
  const logs = readMap(telemetry.logs, 'service.telemetry.logs', errors) ?? {};
  checkKeys(logs, 'service.telemetry.logs', ['level'], errors);
  const logLevel = readOneOf(logs.level, 'service.telemetry.logs.level', logLevels, errors);

  const defined = { receivers, processors, exporters };
  const pipelinesGiven = service.pipelines !== undefined && service.pipelines !== null;
  const pipelines = pipelinesGiven ? readPipelines(service.pipelines, defined, errors) : undefined;
  const pick = <T>(kind: Kind, components: Map<string, T | undefined>): T | undefined => {
    const id = pipelinesGiven ? pipelines?.used[kind] : soleComponent(kind, components, errors);
    return id === undefined ? undefined : components.get(id);
  };
  return {
    receivers: pick('receivers', receivers),
    tags: pick('processors', processors),
    exporter: pick('exporters', exporters),
    pipelines: pipelines?.served,
    logLevel,
  };
}

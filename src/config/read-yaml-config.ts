/**
 * Reads a Collector-shaped YAML document (already env-expanded) into a partial layer that
 * parse-config.ts merges with flags and the environment. Every problem is pushed onto `errors`
 * with its path; nothing here throws.
 *
 * Components are named `type` or `type/name`, as in the Collector. otlp-tagger runs one receiver,
 * at most one processor of each type (agent_tags, then batch, whatever the listed order) and one
 * exporter for all pipelines, so the pipelines must agree on them. The one
 * extension it knows, health_check, is its admin endpoint. `service` also takes two keys of our
 * own: `shutdown_timeout` and `max_inflight_bytes`.
 */
import type { LogLevel } from '../logger.js';
import { allSignals, type Signal } from '../otlp/signal.js';
import type { Env } from '../processor/tag-spec.js';
import type { CollisionPolicy, Tag } from '../processor/tag-types.js';
import { logLevels, minByteLimit } from './config.js';
import { readBatch, type BatchLayer } from './read-yaml-batch.js';
import { readExporter, type ExporterLayer } from './read-yaml-exporter.js';
import { readOtlpReceiver, type ReceiversLayer } from './read-yaml-receiver.js';
import { readAgentTags } from './read-yaml-tags.js';
import { checkKeys, join, readByteSize, readDuration, readListenEndpoint, readMap, readOneOf, readStringList, show } from './read-value.js';

export interface TagsLayer {
  readonly tags: readonly Tag[];
  readonly collision?: CollisionPolicy;
  readonly prefix?: string;
  readonly policies: Readonly<Record<string, CollisionPolicy>>;
}

export interface AdminLayer {
  readonly endpoint?: string;
}

export interface YamlLayer {
  readonly receivers?: ReceiversLayer;
  readonly tags?: TagsLayer;
  /** `processors.batch`, when used. */
  readonly batch?: BatchLayer;
  readonly exporter?: ExporterLayer;
  readonly pipelines?: Readonly<Record<Signal, boolean>>;
  readonly logLevel?: LogLevel;
  /** `undefined`: the file says nothing (default on); `null`: `service.extensions` leaves health_check out. */
  readonly admin?: AdminLayer | null;
  /** `service.shutdown_timeout`, our own key. */
  readonly shutdownTimeoutMillis?: number;
  /** `service.max_inflight_bytes`, our own key. */
  readonly maxInflightBytes?: number;
}

type Kind = 'receivers' | 'processors' | 'exporters' | 'extensions';

const knownTypes: Record<Kind, readonly string[]> = {
  receivers: ['otlp'],
  processors: ['agent_tags', 'batch'],
  exporters: ['otlp', 'otlphttp', 'debug'],
  extensions: ['health_check'],
};

function readHealthCheck(value: unknown, path: string, errors: string[]): AdminLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, ['endpoint'], errors);
  return { endpoint: readListenEndpoint(map.endpoint, join(path, 'endpoint'), errors) };
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
  readonly used: Readonly<Record<PipelineKind, readonly string[]>>;
}

type PipelineKind = Exclude<Kind, 'extensions'>;

function readPipelines(value: unknown, defined: Record<PipelineKind, Map<string, unknown>>, errors: string[]): Pipelines | undefined {
  const path = 'service.pipelines';
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, allSignals, errors, 'pipeline');
  const served = { traces: false, logs: false, metrics: false };
  const lists: Record<PipelineKind, Map<string, string>> = { receivers: new Map(), processors: new Map(), exporters: new Map() };
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
      if (kind === 'processors') {
        const types = ids.map((id) => id.split('/')[0]);
        if (new Set(types).size < types.length) {
          errors.push(`${listPath}: expected at most one processor of each type (${knownTypes.processors.join(', ')}), got ${ids.join(', ')}`);
          continue;
        }
      } else if (ids.length !== 1) {
        errors.push(`${listPath}: expected exactly one ${kind.slice(0, -1)}, got ${ids.length}`);
        continue;
      }
      for (const id of ids) {
        if (!defined[kind].has(id)) errors.push(`${listPath}: ${show(id)} is not defined under ${kind}`);
      }
      lists[kind].set(signal, [...ids].sort().join(', '));
    }
  }
  if (!allSignals.some((signal) => served[signal])) {
    errors.push(`${path}: no pipeline; define at least one of traces, logs, metrics`);
    return undefined;
  }
  const used: Record<PipelineKind, string[]> = { receivers: [], processors: [], exporters: [] };
  for (const kind of ['receivers', 'processors', 'exporters'] as const) {
    const ids = new Set(lists[kind].values());
    if (ids.size > 1) {
      const each = [...lists[kind]].map(([signal, id]) => `${signal}: ${id === '' ? 'none' : id}`).join(', ');
      errors.push(`${path}: every pipeline must use the same ${kind} (otlp-tagger runs one of each); got ${each}`);
    } else if (ids.size === 1) {
      used[kind] = [...ids][0].split(', ').filter((id) => id !== '');
    }
  }
  return { served, used };
}

/** Without pipelines, a kind's only component is the one used; several need pipelines to choose. */
function soleComponent(kind: Kind, defined: Map<string, unknown>, errors: string[], chooser = 'service.pipelines'): string | undefined {
  if (defined.size > 1) {
    errors.push(`${kind}: ${[...defined.keys()].join(', ')} are defined; choose one with ${chooser}`);
    return undefined;
  }
  return [...defined.keys()][0];
}

/**
 * The admin endpoint, as the Collector enables extensions: with `service.extensions` given, only
 * a health_check listed there runs. Unlike the Collector, no `service.extensions` at all means
 * "the default": on, with the one health_check defined, if any.
 */
function pickAdmin(
  service: Record<string, unknown>,
  defined: Map<string, AdminLayer | undefined>,
  errors: string[],
  warnings: string[],
): AdminLayer | null | undefined {
  const path = 'service.extensions';
  if (service.extensions === null || service.extensions === undefined) {
    return soleComponent('extensions', defined, errors, path) === undefined ? undefined : [...defined.values()][0];
  }
  const listed = readStringList(service.extensions, path, errors) ?? [];
  for (const id of listed) {
    if (!defined.has(id)) errors.push(`${path}: ${show(id)} is not defined under extensions`);
  }
  if (listed.length > 1) errors.push(`${path}: expected at most one extension (health_check), got ${listed.length}`);
  for (const id of defined.keys()) {
    if (!listed.includes(id)) warnings.push(`extensions.${id} is defined but not listed in ${path}: not started`);
  }
  return listed.length === 0 ? null : defined.get(listed[0]);
}

export function readYamlConfig(raw: unknown, env: Env, errors: string[], warnings: string[] = []): YamlLayer {
  const root = readMap(raw, 'the configuration', errors);
  if (root === undefined) return {};
  checkKeys(root, '', ['receivers', 'processors', 'exporters', 'extensions', 'service'], errors, 'section');

  const receivers = readComponents(root, 'receivers', (_type, value, path) => readOtlpReceiver(value, path, errors), errors);
  const processors = readComponents<TagsLayer | BatchLayer>(
    root,
    'processors',
    (type, value, path) => (type === 'batch' ? readBatch(value, path, errors) : readAgentTags(value, path, env, errors)),
    errors,
  );
  const exporters = readComponents(root, 'exporters', (type, value, path) => readExporter(type, value, path, errors), errors);
  const extensions = readComponents(root, 'extensions', (_type, value, path) => readHealthCheck(value, path, errors), errors);

  const service = readMap(root.service, 'service', errors) ?? {};
  checkKeys(service, 'service', ['pipelines', 'telemetry', 'extensions', 'shutdown_timeout', 'max_inflight_bytes'], errors);
  const shutdownTimeoutMillis = readDuration(service.shutdown_timeout, 'service.shutdown_timeout', errors);
  if (shutdownTimeoutMillis === 0) errors.push('service.shutdown_timeout: must be more than 0');
  const telemetry = readMap(service.telemetry, 'service.telemetry', errors) ?? {};
  checkKeys(telemetry, 'service.telemetry', ['logs'], errors);
  const logs = readMap(telemetry.logs, 'service.telemetry.logs', errors) ?? {};
  checkKeys(logs, 'service.telemetry.logs', ['level'], errors);
  const logLevel = readOneOf(logs.level, 'service.telemetry.logs.level', logLevels, errors);

  const defined = { receivers, processors, exporters };
  const pipelinesGiven = service.pipelines !== undefined && service.pipelines !== null;
  const pipelines = pipelinesGiven ? readPipelines(service.pipelines, defined, errors) : undefined;
  const pick = <T>(kind: PipelineKind, components: Map<string, T | undefined>): T | undefined => {
    const id = pipelinesGiven ? pipelines?.used[kind].find((used) => components.has(used)) : soleComponent(kind, components, errors);
    return id === undefined ? undefined : components.get(id);
  };
  const ofType = (type: string) => new Map([...processors].filter(([id]) => id.split('/')[0] === type));
  return {
    receivers: pick('receivers', receivers),
    tags: pick('processors', ofType('agent_tags')) as TagsLayer | undefined,
    batch: pick('processors', ofType('batch')) as BatchLayer | undefined,
    exporter: pick('exporters', exporters),
    pipelines: pipelines?.served,
    logLevel,
    admin: pickAdmin(service, extensions, errors, warnings),
    shutdownTimeoutMillis: shutdownTimeoutMillis === 0 ? undefined : shutdownTimeoutMillis,
    maxInflightBytes: readByteSize(service.max_inflight_bytes, 'service.max_inflight_bytes', errors, minByteLimit),
  };
}

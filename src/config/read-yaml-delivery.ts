/**
 * The delivery keys of an OTLP exporter, with the Collector's exporterhelper names where they
 * exist: `sending_queue` (enabled, plus our `storage` directory, `queue_size_bytes` and `fsync`),
 * `retry_on_failure` (configretry's six keys). Values are checked one by one here; how they
 * combine with the mode's defaults and with flags is resolve-delivery.ts's business.
 */
import { minByteLimit, type RetryConfig } from './config.js';
import { parseDurationMillis } from './duration.js';
import { checkKeys, join, readBoolean, readByteSize, readDuration, readMap, readNumber, readString, show } from './read-value.js';

export interface QueueLayer {
  /** `exporters.<id>.sending_queue`, for messages. */
  readonly where: string;
  /** Absent: on, as in the Collector (sending_queue being there at all asks for a queue). */
  readonly enabled?: boolean;
  /**
   * A directory for the persistent queue. The Collector names a storage extension here
   * (`file_storage`) and keeps its directory there; one key is simpler for one queue.
   */
  readonly storage?: string;
  readonly queueSizeBytes?: number;
  readonly fsync?: 'always' | number;
}

export type RetryLayer = { readonly where: string } & Partial<RetryConfig>;

const queueKeys = ['enabled', 'storage', 'queue_size_bytes', 'fsync'];
const retryKeys = ['enabled', 'initial_interval', 'max_interval', 'max_elapsed_time', 'multiplier', 'randomization_factor'];

/** `always`, or a positive duration (milliseconds); shared with `--fsync`. Throws a plain Error. */
export function parseFsync(text: string): 'always' | number {
  if (text === 'always') return 'always';
  const millis = parseDurationMillis(text);
  if (millis === undefined) throw new Error(`expected "always" or a duration like 100ms, got "${text}"`);
  if (millis === 0) throw new Error('must be more than 0 ("always" syncs every write)');
  return millis;
}

export function readSendingQueue(value: unknown, path: string, errors: string[]): QueueLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, queueKeys, errors);
  let fsync: QueueLayer['fsync'];
  if (map.fsync !== null && map.fsync !== undefined) {
    try {
      if (typeof map.fsync !== 'string') throw new Error(`expected "always" or a duration like 100ms, got ${show(map.fsync)}`);
      fsync = parseFsync(map.fsync);
    } catch (err) {
      errors.push(`${join(path, 'fsync')}: ${(err as Error).message}`);
    }
  }
  const storage = readString(map.storage, join(path, 'storage'), errors);
  if (storage === '') errors.push(`${join(path, 'storage')}: must not be empty (leave it out for an in-memory queue)`);
  return {
    where: path,
    enabled: readBoolean(map.enabled, join(path, 'enabled'), errors),
    storage: storage || undefined,
    queueSizeBytes: readByteSize(map.queue_size_bytes, join(path, 'queue_size_bytes'), errors, minByteLimit),
    fsync,
  };
}

export function readRetryOnFailure(value: unknown, path: string, errors: string[]): RetryLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, retryKeys, errors);
  return {
    where: path,
    enabled: readBoolean(map.enabled, join(path, 'enabled'), errors),
    initialIntervalMillis: readDuration(map.initial_interval, join(path, 'initial_interval'), errors),
    maxIntervalMillis: readDuration(map.max_interval, join(path, 'max_interval'), errors),
    maxElapsedMillis: readDuration(map.max_elapsed_time, join(path, 'max_elapsed_time'), errors),
    multiplier: readNumber(map.multiplier, join(path, 'multiplier'), errors),
    randomizationFactor: readNumber(map.randomization_factor, join(path, 'randomization_factor'), errors),
  };
}

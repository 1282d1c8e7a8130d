/**
 * `processors.batch`, shaped like the Collector's batch processor: `timeout` and
 * `send_batch_size` (items) as there, plus `send_batch_max_bytes` of our own (config.ts
 * `BatchConfig` says why bytes). The Collector's `send_batch_max_size` splits batches above a
 * count of items; we never split a request to fill a batch, so it is refused with a pointer to
 * what bounds a batch here, rather than read with another meaning.
 */
import { minByteLimit } from './config.js';
import { checkKeys, join, readByteSize, readDuration, readMap, readPositiveInteger } from './read-value.js';

export interface BatchLayer {
  /** `processors.<id>`, for messages. */
  readonly where: string;
  readonly timeoutMillis?: number;
  readonly maxBytes?: number;
  /** 0 = no item bound (the Collector's meaning of `send_batch_size: 0`). */
  readonly maxItems?: number;
}

const batchKeys = ['timeout', 'send_batch_size', 'send_batch_max_bytes'];

export function readBatch(value: unknown, path: string, errors: string[]): BatchLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  const { send_batch_max_size: maxSize, ...rest } = map;
  if (maxSize !== undefined) {
    errors.push(
      `${join(path, 'send_batch_max_size')}: not supported: otlp-tagger never splits a request to fit a batch; ` +
        'send_batch_size bounds the items of a batch and send_batch_max_bytes its bytes',
    );
  }
  checkKeys(rest, path, batchKeys, errors);
  const size = map.send_batch_size;
  return {
    where: path,
    timeoutMillis: readDuration(map.timeout, join(path, 'timeout'), errors),
    maxBytes: readByteSize(map.send_batch_max_bytes, join(path, 'send_batch_max_bytes'), errors, minByteLimit),
    maxItems: size === 0 || size === 0n || size === '0' ? 0 : readPositiveInteger(size, join(path, 'send_batch_size'), errors),
  };
}

/**
 * Batching: flags (`--batch-timeout`, `--batch-max-bytes`) > YAML (`processors.batch`) > defaults.
 * Off unless a flag or the YAML asks for it; a timeout of 0 turns it off (the Collector sends at
 * once then). A batch never exceeds what the upstream accepts: the splitting exporter would only
 * cut it up again.
 */
import { formatBytes } from './byte-size.js';
import type { CliArgs } from './cli-args.js';
import { defaults, type BatchConfig, type DeliveryConfig } from './config.js';
import type { BatchLayer } from './read-yaml-batch.js';

export function resolveBatch(args: CliArgs, yaml: BatchLayer | undefined, delivery: DeliveryConfig, errors: string[]): BatchConfig | null {
  if (args.batchTimeoutMillis === undefined && args.batchMaxBytes === undefined && yaml === undefined) return null;
  const timeoutMillis = args.batchTimeoutMillis ?? yaml?.timeoutMillis ?? defaults.batchTimeoutMillis;
  if (timeoutMillis === 0) {
    if (args.batchMaxBytes !== undefined) errors.push('--batch-max-bytes: batching is off (batch timeout 0)');
    return null;
  }
  const limit = delivery.upstreamMaxRequestBytes;
  const maxBytes = args.batchMaxBytes ?? yaml?.maxBytes ?? limit;
  if (maxBytes > limit) {
    const where = args.batchMaxBytes !== undefined ? '--batch-max-bytes' : `${(yaml as BatchLayer).where}.send_batch_max_bytes`;
    errors.push(
      `${where}: ${formatBytes(maxBytes)} is more than the upstream's limit of ${formatBytes(limit)} ` +
        '(--upstream-max-request-bytes, max_request_bytes): larger batches would be split again',
    );
  }
  return { timeoutMillis, maxBytes, maxItems: yaml?.maxItems ?? 0 };
}

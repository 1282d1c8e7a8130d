/**
 * The hardening limits (`receivers.otlp.limits` over the defaults), and the check of the
 * configured tags against them: tags are copied into every resource that passes, so a tag
 * made huge by a mistaken environment variable would bloat all the data, and is refused at
 * startup instead.
 */
import type { Tag, TagValue } from '../processor/tag-types.js';
import { defaultLimits, type LimitsConfig } from './config.js';
import { formatMillis } from './duration.js';
import type { ReceiversLayer } from './read-yaml-receiver.js';

function valueBytes(value: TagValue): number {
  if (value.type === 'string') return Buffer.byteLength(value.value, 'utf8');
  // int64 and double are 8 bytes, bool 1 (their size in memory, close to the wire).
  return value.type === 'bool' ? 1 : 8;
}

/** UTF-8 bytes of the key plus the value, as `maxTagBytes` counts them. */
export function tagBytes(tag: Tag): number {
  return Buffer.byteLength(tag.key, 'utf8') + valueBytes(tag.value);
}

/** A key as shown in messages: quoted, and cut short when long. */
function showKey(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

export function resolveLimits(yaml: ReceiversLayer | undefined, tags: readonly Tag[], errors: string[]): LimitsConfig {
  const at = (key: string) => `${yaml?.where ?? 'receivers.otlp'}.limits.${key}`;
  const base = defaultLimits();
  const given = yaml?.limits ?? {};
  const limits: LimitsConfig = {
    maxTags: given.maxTags ?? base.maxTags,
    maxTagBytes: given.maxTagBytes ?? base.maxTagBytes,
    headerTimeoutMillis: given.headerTimeoutMillis ?? base.headerTimeoutMillis,
    requestTimeoutMillis: given.requestTimeoutMillis ?? base.requestTimeoutMillis,
    maxConnections: given.maxConnections ?? base.maxConnections,
  };
  if (limits.headerTimeoutMillis > limits.requestTimeoutMillis) {
    // Node refuses a server whose headers timeout exceeds its request timeout, and rightly so.
    const which = given.headerTimeoutMillis === undefined ? 'request_timeout' : 'header_timeout';
    errors.push(
      `${at(which)}: header_timeout (${formatMillis(limits.headerTimeoutMillis)}) must not be more than ` +
        `request_timeout (${formatMillis(limits.requestTimeoutMillis)})`,
    );
  }
  if (tags.length > limits.maxTags) {
    errors.push(`${tags.length} tags configured (--tags and processors.agent_tags together); the limit is ${limits.maxTags} (${at('max_tags')})`);
  }
  for (const tag of tags) {
    const bytes = tagBytes(tag);
    if (bytes > limits.maxTagBytes) {
      errors.push(`tag ${showKey(tag.key)}: ${bytes} bytes (key and value); the limit is ${limits.maxTagBytes} (${at('max_tag_bytes')})`);
    }
  }
  return limits;
}

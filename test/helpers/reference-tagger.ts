/**
 * The reference for the wire editor: the same collision policies applied to protobufjs-decoded
 * plain objects, written from the policy text and sharing no code with
 * src/processor/resource-editor.ts. Slow and obvious on purpose.
 */
import type { Signal } from '../../src/otlp/signal.js';
import { signals } from '../../src/otlp/signal.js';
import type { TagRules, TagStats, TagValue } from '../../src/processor/tag-types.js';
import { createTagStats } from '../../src/processor/tag-types.js';
import { decodeRequest, encodeRequest } from './reference-codec.js';

type PlainAnyValue = Record<string, unknown>;
interface PlainKeyValue {
  key?: string;
  value?: PlainAnyValue;
}
interface PlainResource {
  attributes?: PlainKeyValue[];
  [field: string]: unknown;
}
interface PlainEntry {
  resource?: PlainResource;
  [field: string]: unknown;
}

export interface ReferenceResult {
  readonly bytes: Buffer;
  readonly stats: TagStats;
}

/** The tag's value as decodeRequest renders an AnyValue (64-bit integers as decimal strings). */
export function plainTagValue(value: TagValue): PlainAnyValue {
  switch (value.type) {
    case 'string':
      return { stringValue: value.value };
    case 'int':
      return { intValue: value.value.toString() };
    case 'double':
      return { doubleValue: value.value };
    case 'bool':
      return { boolValue: value.value };
  }
}

function sameValue(existing: PlainAnyValue | undefined, wanted: PlainAnyValue): boolean {
  if (existing === undefined) return false;
  const existingKeys = Object.keys(existing);
  const [wantedKey] = Object.keys(wanted);
  return existingKeys.length === 1 && existingKeys[0] === wantedKey && Object.is(existing[wantedKey], wanted[wantedKey]);
}

function keyOf(kv: PlainKeyValue): string {
  return kv.key ?? '';
}

/** proto3 leaves a string at its default ("") off the wire. */
function keyValue(key: string, value: PlainAnyValue): PlainKeyValue {
  return key === '' ? { value } : { key, value };
}

/** Applies the rules to one resource's attribute list, in tag order. */
function tagAttributes(attributes: PlainKeyValue[], rules: TagRules, stats: TagStats): PlainKeyValue[] {
  let list = attributes;
  for (const tag of rules.tags) {
    const policy = rules.policies[tag.key] ?? rules.defaultPolicy;
    const value = plainTagValue(tag.value);
    const existing = list.filter((kv) => keyOf(kv) === tag.key);
    if (existing.length === 0) {
      list = [...list, keyValue(tag.key, value)];
      stats.applied++;
    } else if (existing.every((kv) => sameValue(kv.value, value))) {
      stats.unchanged++;
    } else if (policy === 'override') {
      list = [...list.filter((kv) => keyOf(kv) !== tag.key), keyValue(tag.key, value)];
      stats.overridden++;
    } else if (policy === 'skip') {
      stats.skipped++;
    } else {
      const prefixedKey = rules.prefix + tag.key;
      list = [...list.filter((kv) => keyOf(kv) !== prefixedKey), keyValue(prefixedKey, value)];
      stats.prefixed++;
    }
  }
  return list;
}

/** Tags a decoded request object in place. */
export function referenceTagObject(signal: Signal, request: Record<string, unknown>, rules: TagRules): TagStats {
  const stats = createTagStats();
  if (rules.tags.length === 0) return stats;
  const entries = (request[signals[signal].resourceKey] ?? []) as PlainEntry[];
  for (const entry of entries) {
    const resource = entry.resource ?? {};
    resource.attributes = tagAttributes(resource.attributes ?? [], rules, stats);
    entry.resource = resource;
  }
  return stats;
}

/** decode → tag → encode with protobufjs. */
export function referenceTag(signal: Signal, bytes: Uint8Array, rules: TagRules): ReferenceResult {
  const request = decodeRequest(signal, bytes);
  const stats = referenceTagObject(signal, request, rules);
  return { bytes: encodeRequest(signal, request), stats };
}

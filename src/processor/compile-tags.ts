/**
 * Encodes the tags once per configuration, so that the wire editor only compares and copies
 * bytes on the hot path.
 */
import { ErrorCode, TaggerError } from '../errors.js';
import {
  lenFieldSize,
  varintSize,
  varintSize64,
  writeDouble,
  writeVarint,
  writeVarint64,
} from '../otlp/wire-writer.js';
import type { CollisionPolicy, TagRules, TagValue } from './tag-types.js';
import { collisionPolicies } from './tag-types.js';

export interface CompiledTag {
  readonly key: string;
  readonly value: TagValue;
  readonly policy: CollisionPolicy;
  /** UTF-8 bytes of the key. */
  readonly keyBytes: Uint8Array;
  /** The encoded AnyValue, compared byte for byte against the values already present. */
  readonly valueBytes: Uint8Array;
  /** The encoded KeyValue. */
  readonly keyValue: Uint8Array;
  /** The whole `Resource.attributes` field: tag `0A`, length, KeyValue. */
  readonly attribute: Uint8Array;
  /** Set only under `prefix-and-keep`: `<prefix><key>` and its encodings. */
  readonly prefixedKey: string | undefined;
  readonly prefixedKeyBytes: Uint8Array | undefined;
  readonly prefixedAttribute: Uint8Array | undefined;
}

export interface CompiledTags {
  /** In configuration order; the editor applies them one after the other. */
  readonly tags: readonly CompiledTag[];
  readonly prefix: string;
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

function tagSpecError(message: string): TaggerError {
  return new TaggerError(ErrorCode.TAG_SPEC, message);
}

/** AnyValue with exactly one member of its `value` oneof set (common.proto). */
function encodeAnyValue(key: string, value: TagValue): Uint8Array {
  switch (value.type) {
    case 'string': {
      const text = Buffer.from(value.value, 'utf8');
      const out = new Uint8Array(1 + varintSize(text.length) + text.length);
      out[0] = 0x0a;
      out.set(text, writeVarint(out, 1, text.length));
      return out;
    }
    case 'bool':
      return Uint8Array.of(0x10, value.value ? 1 : 0);
    case 'int': {
      if (value.value < int64Min || value.value > int64Max) {
        throw tagSpecError(`tag ${JSON.stringify(key)}: ${value.value} does not fit in a 64-bit signed integer`);
      }
      const out = new Uint8Array(1 + varintSize64(value.value));
      out[0] = 0x18;
      writeVarint64(out, 1, value.value);
      return out;
    }
    case 'double': {
      const out = new Uint8Array(9);
      out[0] = 0x21;
      writeDouble(out, 1, value.value);
      return out;
    }
    default:
      throw tagSpecError(`tag ${JSON.stringify(key)}: unknown value type ${JSON.stringify((value as { type: unknown }).type)}`);
  }
}

/**
 * `0A <len> 0A <keylen> key 12 <vallen> AnyValue`; an empty key is left out, as proto3 does
 * for a string at its default.
 */
function encodeAttribute(keyBytes: Uint8Array, valueBytes: Uint8Array): Uint8Array {
  const keyValueLength = (keyBytes.length > 0 ? lenFieldSize(1, keyBytes.length) : 0) + lenFieldSize(2, valueBytes.length);
  const out = new Uint8Array(lenFieldSize(1, keyValueLength));
  out[0] = 0x0a;
  let pos = writeVarint(out, 1, keyValueLength);
  if (keyBytes.length > 0) {
    out[pos++] = 0x0a;
    pos = writeVarint(out, pos, keyBytes.length);
    out.set(keyBytes, pos);
    pos += keyBytes.length;
  }
  out[pos++] = 0x12;
  pos = writeVarint(out, pos, valueBytes.length);
  out.set(valueBytes, pos);
  return out;
}

/** The KeyValue inside an attribute field, without copying. */
function keyValueOf(attribute: Uint8Array): Uint8Array {
  let pos = 1;
  while (attribute[pos] & 0x80) pos++;
  return attribute.subarray(pos + 1);
}

function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/**
 * Compiles tag rules. Tags keep their order: when two tags share a key, the later one sees
 * what the earlier one wrote, as if the tags were applied one by one.
 */
export function compileTags(rules: TagRules): CompiledTags {
  const tags = rules.tags.map((tag): CompiledTag => {
    const policy = rules.policies[tag.key] ?? rules.defaultPolicy;
    if (!collisionPolicies.includes(policy)) {
      throw tagSpecError(`tag ${JSON.stringify(tag.key)}: unknown collision policy ${JSON.stringify(policy)}`);
    }
    if (policy === 'prefix-and-keep' && rules.prefix === '') {
      throw tagSpecError(`tag ${JSON.stringify(tag.key)}: prefix-and-keep needs a non-empty prefix`);
    }
    const keyBytes = utf8(tag.key);
    const valueBytes = encodeAnyValue(tag.key, tag.value);
    const attribute = encodeAttribute(keyBytes, valueBytes);
    const prefixedKey = policy === 'prefix-and-keep' ? rules.prefix + tag.key : undefined;
    const prefixedKeyBytes = prefixedKey === undefined ? undefined : utf8(prefixedKey);
    return Object.freeze({
      key: tag.key,
      value: tag.value,
      policy,
      keyBytes,
      valueBytes,
      keyValue: keyValueOf(attribute),
      attribute,
      prefixedKey,
      prefixedKeyBytes,
      prefixedAttribute: prefixedKeyBytes === undefined ? undefined : encodeAttribute(prefixedKeyBytes, valueBytes),
    });
  });
  return Object.freeze({ tags: Object.freeze(tags), prefix: rules.prefix });
}

/**
 * Field kinds as small integers, for the converters' switches. OTLP's hex-encoded ID fields
 * (`FieldSpec.hex`) are a kind of their own: same wire type as bytes, different JSON.
 */
import type { FieldSpec } from '../otlp-schema.js';

export const STRING = 0;
export const BYTES = 1;
export const HEX = 2;
export const BOOL = 3;
export const INT32 = 4;
export const SINT32 = 5;
export const UINT32 = 6;
export const FIXED32 = 7;
export const ENUM = 8;
export const INT64 = 9;
export const UINT64 = 10;
export const FIXED64 = 11;
export const SFIXED64 = 12;
export const DOUBLE = 13;
export const MESSAGE = 14;

const byName = {
  string: STRING,
  bytes: BYTES,
  bool: BOOL,
  int32: INT32,
  sint32: SINT32,
  uint32: UINT32,
  fixed32: FIXED32,
  enum: ENUM,
  int64: INT64,
  uint64: UINT64,
  fixed64: FIXED64,
  sfixed64: SFIXED64,
  double: DOUBLE,
  message: MESSAGE,
} as const;

/** Protobuf wire type per kind: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit. */
export const wireTypeOf: readonly number[] = [2, 2, 2, 0, 0, 0, 0, 5, 0, 0, 0, 1, 1, 1, 2];

export function fieldKind(f: FieldSpec): number {
  return f.hex ? HEX : byName[f.kind];
}

/** A repeated number: packed on the wire (proto3's default), though readers take it unpacked too. */
export function isPackable(f: FieldSpec): boolean {
  return f.repeated && wireTypeOf[fieldKind(f)] !== 2;
}

/** Bytes in an OTLP ID: 16 for trace IDs, 8 for span IDs. */
export function idLength(f: FieldSpec): number {
  return f.protoName === 'trace_id' ? 16 : 8;
}

/** The distinct oneof names of a message's fields, in field order (a field's index is its bit). */
export function oneofNames(fields: readonly FieldSpec[]): string[] {
  return [...new Set(fields.flatMap((f) => (f.oneof === undefined ? [] : [f.oneof])))];
}

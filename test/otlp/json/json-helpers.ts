/**
 * Shared by the JSON converter tests: loose access into decoded objects, and a comparison form
 * for decoded requests in which an absent proto3 field equals its default (canonical encoders
 * leave defaults out; JSON from other encoders may spell them out).
 */
import type { Signal } from '../../../src/otlp/signal.js';
import { requestType } from '../../helpers/reference-codec.js';

/** `o[k0][k1]...`, or undefined where the path leads nowhere. */
export function at(o: unknown, ...path: (string | number)[]): unknown {
  let v = o;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** Decodes with defaults filled in: 64-bit as strings, bytes as base64, enums as numbers. */
export function normalized(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  const type = requestType(signal);
  return type.toObject(type.decode(bytes), {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: true,
    arrays: true,
    objects: true,
  }) as Record<string, unknown>;
}

export function base64OfHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

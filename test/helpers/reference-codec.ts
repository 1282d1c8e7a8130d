/**
 * The independent reference: protobufjs loading proto/. Tests compare the wire editor, the JSON
 * converters and every upstream against it. Never imported by src/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Signal } from '../../src/otlp/signal.js';
import { signals } from '../../src/otlp/signal.js';

const protoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => path.join(protoDir, target);
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
    ],
    { keepCase: false },
  );
  root.resolveAll();
  return root;
}

export const referenceRoot = loadRoot();

export function lookupType(name: string): protobuf.Type {
  return referenceRoot.lookupType(name);
}

export function requestType(signal: Signal): protobuf.Type {
  return lookupType(signals[signal].requestType);
}

export function responseType(signal: Signal): protobuf.Type {
  return lookupType(signals[signal].responseType);
}

/** Options that make decoded objects comparable with t.same: 64-bit as strings, bytes as hex. */
export const plainObjectOptions: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: String,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
};

/** Decode a request to a plain object (64-bit values as decimal strings, bytes as base64). */
export function decodeRequest(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  const type = requestType(signal);
  return type.toObject(type.decode(bytes), plainObjectOptions) as Record<string, unknown>;
}

/** Encode a plain object (as produced by decodeRequest, or written by hand) to protobuf. */
export function encodeRequest(signal: Signal, object: Record<string, unknown>): Buffer {
  const type = requestType(signal);
  const message = type.fromObject(object);
  return Buffer.from(type.encode(message).finish());
}

/**
 * The OTLP trace types through protobufjs, loaded from proto/ as test/helpers/reference-codec.ts
 * does (copied rather than imported: the hops are bundled on their own and must not pull in
 * test code). The proto directory is found by walking up from this file, so the hop works both
 * from bench/load/hops/ and from its bundle under bench/results/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

function findProtoDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'proto');
    if (existsSync(path.join(candidate, 'opentelemetry'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the proto/ directory above the hop');
    dir = parent;
  }
}

function loadRoot(): protobuf.Root {
  const protoDir = findProtoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => path.join(protoDir, target);
  root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto'], { keepCase: false });
  root.resolveAll();
  return root;
}

const root = loadRoot();
export const traceRequestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const traceResponseType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

interface KeyValue {
  key: string;
  value?: { stringValue?: string };
}
interface TraceRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] } }[];
}

/** Upserts every tag on every resource (override), the way a decode → modify → encode hop does. */
export function upsertTags(message: protobuf.Message, tags: ReadonlyArray<readonly [string, string]>): void {
  for (const resourceSpans of (message as unknown as TraceRequest).resourceSpans ?? []) {
    resourceSpans.resource ??= { attributes: [] };
    const attributes = (resourceSpans.resource.attributes ??= []);
    for (const [key, value] of tags) {
      const existing = attributes.find((kv) => kv.key === key);
      if (existing !== undefined) existing.value = { stringValue: value };
      else attributes.push({ key, value: { stringValue: value } });
    }
  }
}

export function encode(type: protobuf.Type, message: protobuf.Message): Buffer {
  const bytes = type.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

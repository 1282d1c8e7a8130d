/**
 * Engine microbenchmark (scenario P9 of performance-and-reliability.md §8): the wire editor
 * against protobufjs decode → modify → encode, and the cost of inspectRequest, on requests of
 * several shapes (resources × spans) and two span sizes.
 */
import type protobuf from 'protobufjs';
import { inspectRequest } from '../src/otlp/inspect-request.js';
import { compileTags } from '../src/processor/compile-tags.js';
import { applyTags } from '../src/processor/resource-editor.js';
import type { TagRules } from '../src/processor/tag-types.js';
import { lookupType, requestType } from '../test/helpers/reference-codec.js';
import { measureWithCpu } from './measure.js';

export interface EngineResult {
  /** e.g. `10x100 realistic`. */
  readonly request: string;
  readonly resources: number;
  readonly spans: number;
  readonly bytes: number;
  /** editor | inspect | editor+inspect | pbjs decode | protobufjs (decode, modify, encode) */
  readonly engine: string;
  readonly opsPerSecond: number;
  readonly spansPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Process CPU time over wall time; well below 1 means other processes took the CPU. */
  readonly cpuShare: number;
}

const shapes: ReadonlyArray<readonly [resources: number, spans: number]> = [
  [1, 100],
  [1, 512],
  [10, 100],
  [100, 10],
  [1, 5000],
];

const rules: TagRules = {
  tags: [
    { key: 'deployment.environment.name', value: { type: 'string', value: 'production' } },
    { key: 'cloud.region', value: { type: 'string', value: 'eu-west-1' } },
    { key: 'agent.pool', value: { type: 'string', value: 'pool-a' } },
  ],
  defaultPolicy: 'override',
  policies: {},
  prefix: 'agent.',
};

const hex = (n: number, i: number): string => (i * 2654435761 + n).toString(16).padStart(2 * n, '0').slice(-2 * n);
const b64 = (text: string): string => Buffer.from(text, 'hex').toString('base64');
const str = (key: string, value: string): object => ({ key, value: { stringValue: value } });

/** About 780 bytes: ten string attributes, as an instrumented HTTP server span carries. */
function realisticSpan(i: number): object {
  return {
    traceId: b64(hex(16, i)),
    spanId: b64(hex(8, i)),
    parentSpanId: b64(hex(8, i + 1)),
    name: 'GET /api/v1/orders/{orderId}',
    kind: 2,
    startTimeUnixNano: String(1700000000000000000n + BigInt(i) * 1000n),
    endTimeUnixNano: String(1700000000000000000n + BigInt(i) * 1000n + 250000n),
    attributes: [
      str('http.request.method', 'GET'),
      str('url.full', `https://shop.example.com/api/v1/orders/${100000 + i}?expand=items,customer&currency=EUR`),
      str('url.path', `/api/v1/orders/${100000 + i}`),
      str('http.route', '/api/v1/orders/{orderId}'),
      str('server.address', 'shop.example.com'),
      str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'),
      str('client.address', `10.${i % 256}.${(i >> 8) % 256}.17`),
      str('network.protocol.version', '1.1'),
      str('http.response.status_code', '200'),
      str('enduser.id', `customer-${(i * 7919) % 100000}-${hex(4, i)}-${hex(6, i + 3)}-${hex(8, i + 5)}`),
    ],
    status: { code: 1 },
  };
}

/** About 150 bytes: the Collector testbed's span (two int attributes). */
function testbedSpan(i: number): object {
  return {
    traceId: b64(hex(16, i)),
    spanId: b64(hex(8, i)),
    name: `load-generator-span${i}`,
    kind: 3,
    startTimeUnixNano: String(1700000000000000000n + BigInt(i) * 1000n),
    endTimeUnixNano: String(1700000000000000000n + BigInt(i) * 1000n + 1000000n),
    attributes: [
      { key: 'load_generator.span_seq_num', value: { intValue: String(i) } },
      { key: 'load_generator.trace_seq_num', value: { intValue: String(i >> 3) } },
    ],
  };
}

function buildRequest(resources: number, spans: number, span: (i: number) => object): Buffer {
  const type = requestType('traces');
  const object = {
    resourceSpans: Array.from({ length: resources }, (_, r) => ({
      resource: {
        attributes: [
          str('service.name', `checkout-${r}`),
          str('service.version', '2.4.1'),
          str('host.name', `node-${r}.eu-west-1.compute.internal`),
          str('telemetry.sdk.name', 'opentelemetry'),
          str('telemetry.sdk.language', 'nodejs'),
          str('telemetry.sdk.version', '2.2.0'),
        ],
      },
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
          spans: Array.from({ length: spans }, (_, i) => span(r * spans + i)),
        },
      ],
    })),
  };
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

interface ProtobufTagger {
  (bytes: Uint8Array): Uint8Array;
}

/**
 * The baseline: what a straightforward protobufjs processor does (decode the whole request,
 * replace the keys on each resource, encode). The tag KeyValues are built once, as the editor's are.
 */
function createProtobufTagger(): ProtobufTagger {
  const type = requestType('traces');
  const resourceType = lookupType('opentelemetry.proto.resource.v1.Resource');
  const keyValueType = lookupType('opentelemetry.proto.common.v1.KeyValue');
  const tagKeyValues = rules.tags.map((tag) => keyValueType.fromObject(str(tag.key, String(tag.value.value))));
  const keys = new Set(rules.tags.map((tag) => tag.key));
  type KeyValue = protobuf.Message & { key: string };
  type Entry = protobuf.Message & { resource?: protobuf.Message & { attributes: KeyValue[] } };
  return (bytes) => {
    const request = type.decode(bytes) as protobuf.Message & { resourceSpans: Entry[] };
    for (const entry of request.resourceSpans) {
      const resource = entry.resource ?? (resourceType.create({ attributes: [] }) as NonNullable<Entry['resource']>);
      resource.attributes = resource.attributes.filter((kv) => !keys.has(kv.key));
      resource.attributes.push(...(tagKeyValues as KeyValue[]));
      entry.resource = resource;
    }
    return type.encode(request).finish();
  };
}

function pad(text: string, width: number, left = false): string {
  return left ? text.padStart(width) : text.padEnd(width);
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Runs every case for about `millis` each and prints a table; returns the figures. */
export async function runEngineBench(options: { millis?: number; print?: (line: string) => void } = {}): Promise<EngineResult[]> {
  const millis = options.millis ?? 600;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const compiled = compileTags(rules);
  const protobufTagger = createProtobufTagger();
  const tracesType = requestType('traces');
  const results: EngineResult[] = [];
  const engines: ReadonlyArray<readonly [string, (bytes: Buffer) => unknown]> = [
    ['editor', (bytes) => applyTags(bytes, compiled)],
    ['inspect', (bytes) => inspectRequest('traces', bytes)],
    ['editor+inspect', (bytes) => (inspectRequest('traces', bytes), applyTags(bytes, compiled))],
    ['pbjs decode', (bytes) => tracesType.decode(bytes)],
    ['protobufjs', (bytes) => protobufTagger(bytes)],
  ];

  // A fresh process first faults in the memory its output buffers will cycle through; do it
  // here rather than on the first case's time.
  const first = buildRequest(1, 100, realisticSpan);
  await measureWithCpu(() => applyTags(first, compiled), 1000, 0);

  print(`engine bench: ${rules.tags.length} tags (override, all absent), ~${millis} ms per case, node ${process.version}`);
  print('protobufjs = decode → modify → encode (the baseline of the ratio column); pbjs decode = decode only');
  if (process.env.MALLOC_TRIM_THRESHOLD_ === undefined) {
    // Seen on a 2-vCPU VM: freed multi-megabyte outputs went back to the OS and every new one
    // faulted its pages in again, 20-50x the editor's own cost on the 1x5000 requests.
    print('note: glibc may return freed output buffers to the OS; for engine-only figures run with');
    print('      MALLOC_TRIM_THRESHOLD_=2000000000 MALLOC_MMAP_THRESHOLD_=2000000000 MALLOC_TOP_PAD_=200000000');
  }
  print(
    [pad('request', 22), pad('bytes', 10, true), pad('engine', 15), pad('µs/req', 10, true), pad('spans/s', 13, true), pad('MB/s', 9, true), pad('vs protobufjs', 14, true), pad('cpu%', 5, true)].join(' '),
  );
  for (const [spanName, span] of [['realistic', realisticSpan], ['testbed', testbedSpan]] as const) {
    for (const [resources, spans] of shapes) {
      const bytes = buildRequest(resources, spans, span);
      const request = `${resources}x${spans} ${spanName}`;
      const rows: EngineResult[] = [];
      for (const [engine, run] of engines) {
        const { opsPerSecond, cpuShare } = await measureWithCpu(() => run(bytes), millis);
        rows.push({
          request,
          resources,
          spans: resources * spans,
          bytes: bytes.length,
          engine,
          opsPerSecond,
          spansPerSecond: opsPerSecond * resources * spans,
          megabytesPerSecond: (opsPerSecond * bytes.length) / 1e6,
          cpuShare,
        });
      }
      const baseline = rows[rows.length - 1].opsPerSecond;
      for (const row of rows) {
        print(
          [
            pad(row.request, 22),
            pad(String(row.bytes), 10, true),
            pad(row.engine, 15),
            pad(format(1e6 / row.opsPerSecond, 1), 10, true),
            pad(format(row.spansPerSecond), 13, true),
            pad(format(row.megabytesPerSecond), 9, true),
            pad(row.engine === 'protobufjs' ? '1.0x' : `${format(row.opsPerSecond / baseline, 1)}x`, 14, true),
            pad(format(row.cpuShare * 100), 5, true),
          ].join(' '),
        );
      }
      results.push(...rows);
    }
  }
  printTargets(results, print);
  const busy = results.filter((r) => r.cpuShare < 0.9).length;
  if (busy > 0) print(`warning: ${busy} of ${results.length} cases got under 90% of a CPU: the machine was busy, figures are understated`);
  return results;
}

function printTargets(results: readonly EngineResult[], print: (line: string) => void): void {
  const find = (request: string, engine: string): EngineResult =>
    results.find((r) => r.request === request && r.engine === engine) as EngineResult;
  print('targets:');
  for (const request of ['1x100 realistic', '1x100 testbed']) {
    const ratio = find(request, 'editor').opsPerSecond / find(request, 'protobufjs').opsPerSecond;
    print(`  editor ≥ 20x protobufjs on ${request}: ${format(ratio, 1)}x — ${ratio >= 20 ? 'met' : 'NOT met'}`);
  }
  for (const request of ['1x5000 realistic', '1x5000 testbed']) {
    const rate = find(request, 'editor').megabytesPerSecond;
    print(`  editor ≥ 1 GB/s on ${request}: ${format(rate / 1000, 2)} GB/s — ${rate >= 1000 ? 'met' : 'NOT met'}`);
  }
  for (const request of ['1x100 realistic', '100x10 testbed', '1x5000 realistic']) {
    const ratio = find(request, 'inspect').opsPerSecond / find(request, 'pbjs decode').opsPerSecond;
    print(`  inspect ≥ 5x cheaper than a protobufjs decode on ${request}: ${format(ratio, 1)}x — ${ratio >= 5 ? 'met' : 'NOT met'}`);
  }
}

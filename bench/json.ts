/**
 * OTLP/JSON converter benchmark: `requestJsonToProto` and `requestProtoToJson` against the
 * obvious protobufjs pipelines, on trace requests of 100 and 5000 realistic spans.
 * Baselines: JSON → protobuf = `JSON.parse` + `fromObject` + `encode` (lossy: it rounds 64-bit
 * numbers and reads hex IDs as base64, so it is a lower bound of a correct pipeline's cost);
 * protobuf → JSON = `decode` + `toObject` + `JSON.stringify` (base64 IDs, not OTLP's hex).
 */
import { requestJsonToProto } from '../src/otlp/json/json-to-proto.js';
import { requestProtoToJson } from '../src/otlp/json/proto-to-json.js';
import { requestType } from '../test/helpers/reference-codec.js';
import { measure } from './measure.js';

export interface JsonBenchResult {
  /** e.g. `1x100`. */
  readonly request: string;
  readonly spans: number;
  readonly jsonBytes: number;
  readonly protobufBytes: number;
  /** json→proto | protobufjs json→proto | proto→json | protobufjs proto→json */
  readonly converter: string;
  readonly opsPerSecond: number;
  /** Megabytes of JSON text (read or written) per second. */
  readonly jsonMegabytesPerSecond: number;
}

const shapes: ReadonlyArray<readonly [resources: number, spans: number]> = [
  [1, 100],
  [10, 10],
  [1, 5000],
];

const id = (bytes: number, i: number): Buffer => {
  const b = Buffer.alloc(bytes);
  for (let k = 0; k < bytes; k++) b[k] = (i * 131 + k * 29 + 7) & 255;
  return b;
};
const str = (key: string, value: string): object => ({ key, value: { stringValue: value } });

/** About 780 bytes of protobuf: an instrumented HTTP server span. */
function span(i: number): object {
  const start = 1700000000000000000n + BigInt(i) * 1000n;
  return {
    traceId: id(16, i),
    spanId: id(8, i),
    parentSpanId: id(8, i + 1),
    name: 'GET /api/v1/orders/{orderId}',
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 250000n),
    attributes: [
      str('http.request.method', 'GET'),
      str('url.path', `/api/v1/orders/${100000 + i}`),
      str('url.scheme', 'https'),
      str('server.address', 'orders.internal.example.com'),
      str('network.protocol.version', '1.1'),
      str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'),
      str('http.route', '/api/v1/orders/{orderId}'),
      str('client.address', '10.1.2.3'),
      { key: 'http.response.status_code', value: { intValue: '200' } },
      { key: 'http.response.body.size', value: { intValue: String(1000 + i) } },
    ],
    status: { code: 1 },
    flags: 257,
  };
}

function buildRequest(resources: number, spans: number): Buffer {
  const type = requestType('traces');
  const object = {
    resourceSpans: Array.from({ length: resources }, (_, r) => ({
      resource: { attributes: [str('service.name', `orders-${r}`), str('host.name', `node-${r}.example.com`)] },
      scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.52.0' }, spans: Array.from({ length: spans }, (_, i) => span(r * spans + i)) }],
    })),
  };
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Runs every case for about `millis` each and prints a table; returns the figures. */
export async function runJsonBench(options: { millis?: number; print?: (line: string) => void } = {}): Promise<JsonBenchResult[]> {
  const millis = options.millis ?? 800;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const type = requestType('traces');
  const toObjectOptions = { longs: String, enums: Number, bytes: String } as const;
  const results: JsonBenchResult[] = [];
  print(`json bench: OTLP/JSON ⇄ protobuf, traces, ~${millis} ms per case, node ${process.version}`);
  print('MB/s counts JSON text; ratio = ours ÷ protobufjs pipeline (JSON.parse+fromObject+encode, decode+toObject+JSON.stringify)');
  print(['request', 'json B', 'proto B', 'converter', 'µs/req', 'spans/s', 'MB/s', 'ratio'].map((h, i) => (i < 1 || i === 3 ? h.padEnd(i === 3 ? 24 : 9) : h.padStart(11))).join(' '));
  for (const [resources, spans] of shapes) {
    const protobufBytes = buildRequest(resources, spans);
    const json = Buffer.from(requestProtoToJson('traces', protobufBytes));
    const request = `${resources}x${spans}`;
    const cases: ReadonlyArray<readonly [string, () => unknown]> = [
      ['json→proto', () => requestJsonToProto('traces', json)],
      ['protobufjs json→proto', () => type.encode(type.fromObject(JSON.parse(json.toString()) as Record<string, unknown>)).finish()],
      ['proto→json', () => requestProtoToJson('traces', protobufBytes)],
      ['protobufjs proto→json', () => JSON.stringify(type.toObject(type.decode(protobufBytes), toObjectOptions))],
    ];
    const rows: JsonBenchResult[] = [];
    for (const [converter, run] of cases) {
      const opsPerSecond = await measure(run, millis);
      rows.push({
        request,
        spans: resources * spans,
        jsonBytes: json.length,
        protobufBytes: protobufBytes.length,
        converter,
        opsPerSecond,
        jsonMegabytesPerSecond: (opsPerSecond * json.length) / 1e6,
      });
    }
    for (const [i, row] of rows.entries()) {
      const baseline = rows[i - (i % 2) + 1].opsPerSecond;
      print(
        [
          row.request.padEnd(9),
          String(row.jsonBytes).padStart(11),
          String(row.protobufBytes).padStart(11),
          row.converter.padEnd(24),
          format(1e6 / row.opsPerSecond, 1).padStart(11),
          format(row.opsPerSecond * row.spans).padStart(11),
          format(row.jsonMegabytesPerSecond, 1).padStart(11),
          `${format(row.opsPerSecond / baseline, 2)}×`.padStart(11),
        ].join(' '),
      );
    }
    results.push(...rows);
  }
  return results;
}

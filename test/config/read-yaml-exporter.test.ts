import t from 'tap';
import { configFrom, configProblems } from '../helpers/config-builders.js';

t.test('exporters.otlp: every key', async (t) => {
  const config = configFrom(
    `
    exporters:
      otlp:
        endpoint: tempo:4317
        headers:
          X-Scope-OrgID: \${env:TENANT}
          Authorization: Bearer abc
          X-Count: 3
        compression: none
        timeout: 1m
        tls:
          insecure: false
          ca_file: /ca.pem
          cert_file: /cert.pem
          key_file: /key.pem
          insecure_skip_verify: true
          server_name: tempo.internal
    `,
    { env: { TENANT: 'team-a' } },
  );
  t.same(config.exporter, {
    type: 'otlp',
    protocol: 'grpc',
    endpoints: { traces: 'https://tempo:4317', logs: 'https://tempo:4317', metrics: 'https://tempo:4317' },
    headers: { 'x-scope-orgid': 'team-a', authorization: 'Bearer abc', 'x-count': '3' },
    compression: 'none',
    timeoutMillis: 60_000,
    tls: { insecure: false, caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem', insecureSkipVerify: true, serverName: 'tempo.internal' },
  });
});

t.test('exporters.otlp: tls.insecure chooses the scheme of a scheme-less endpoint', async (t) => {
  const endpoint = (yaml: string, env: Record<string, string> = {}) => {
    const exporter = configFrom(yaml, { env }).exporter;
    return exporter.type === 'otlp' ? [exporter.endpoints.traces, exporter.tls.insecure] : [];
  };
  t.same(endpoint('exporters: { otlp: { endpoint: "tempo:4317", tls: { insecure: true } } }'), ['http://tempo:4317', true]);
  t.same(endpoint('exporters: { otlp: { endpoint: "tempo:4317", tls: { insecure: "${env:INSECURE}" } } }', { INSECURE: 'true' }), ['http://tempo:4317', true]);
  t.same(endpoint('exporters: { otlp: { endpoint: "tempo:4317", tls: { insecure: false } } }'), ['https://tempo:4317', false]);
  t.same(endpoint('exporters: { otlp: { endpoint: "http://tempo:4317" } }'), ['http://tempo:4317', true]);
  const warnings: string[] = [];
  configFrom('exporters: { otlp: { endpoint: "https://tempo:4317", tls: { insecure: true } } }', { warnings });
  t.same(warnings, ['the insecure setting is ignored: the upstream URL says https:// (the scheme decides)']);
});

t.test('exporters.otlp: timeouts', async (t) => {
  const timeout = (value: string) => {
    const exporter = configFrom(`exporters: { otlp: { endpoint: "http://t:1", timeout: ${value} } }`).exporter;
    return exporter.type === 'otlp' ? exporter.timeoutMillis : -1;
  };
  t.equal(timeout('500ms'), 500);
  t.equal(timeout('0'), 0, 'YAML integer 0');
  t.equal(timeout('"0"'), 0);
  t.equal(timeout('0s'), 0);
  t.equal(timeout('1.5s'), 1500);
  for (const bad of ['10', '"10"', '-1s', 'true']) {
    t.match(configProblems(`exporters: { otlp: { endpoint: "http://t:1", timeout: ${bad} } }`), [
      /^exporters\.otlp\.timeout: expected a duration like 10s or 500ms, got /,
    ], bad);
  }
});

t.test('exporters.otlphttp', async (t) => {
  let exporter = configFrom('exporters: { otlphttp: { endpoint: "http://c:4318/base/" } }').exporter;
  t.match(exporter, {
    type: 'otlp',
    protocol: 'http/protobuf',
    endpoints: { traces: 'http://c:4318/base/v1/traces', logs: 'http://c:4318/base/v1/logs', metrics: 'http://c:4318/base/v1/metrics' },
  });
  exporter = configFrom(`
    exporters:
      otlphttp:
        endpoint: http://c:4318
        encoding: json
        traces_endpoint: http://t:9999/custom
        logs_endpoint: http://l:9999
  `).exporter;
  t.same(exporter.type === 'otlp' && [exporter.protocol, exporter.endpoints], [
    'http/json',
    { traces: 'http://t:9999/custom', logs: 'http://l:9999/', metrics: 'http://c:4318/v1/metrics' },
  ]);
  const yaml = `
    exporters: { otlphttp: { traces_endpoint: "https://t/x", encoding: proto } }
    service: { pipelines: { traces: { receivers: [otlp], exporters: [otlphttp] } } }
    receivers: { otlp: { protocols: { http: } } }
  `;
  exporter = configFrom(yaml).exporter;
  t.same(exporter.type === 'otlp' && [exporter.protocol, exporter.endpoints, exporter.tls.insecure], [
    'http/protobuf',
    { traces: 'https://t/x', logs: 'http://localhost:4318/v1/logs', metrics: 'http://localhost:4318/v1/metrics' },
    false,
  ], 'unserved signals without an endpoint get the spec default, never dialled');
  t.same(configProblems('exporters: { otlphttp: { traces_endpoint: "https://t/x" } }'), [
    'exporters.otlphttp.endpoint: required (or set OTEL_EXPORTER_OTLP_ENDPOINT)',
  ], 'served signals need one');
});

t.test('exporters.debug', async (t) => {
  t.same(configFrom('exporters: { debug: }').exporter, { type: 'debug', verbosity: 'basic' });
  t.same(configFrom('exporters: { debug: { verbosity: detailed } }').exporter, { type: 'debug', verbosity: 'detailed' });
  t.same(configProblems('exporters: { debug: { verbosity: normal, sampling_initial: 2 } }'), [
    'exporters.debug.sampling_initial: unknown key; known: verbosity',
    'exporters.debug.verbosity: expected one of basic, detailed, got "normal"',
  ]);
});

t.test('errors name the path and the value', async (t) => {
  const rows: [string, string[]][] = [
    ['exporters: { otlp: [] }', ['exporters.otlp: expected a map, got a list']],
    ['exporters: { otlp: { endpoint: "http://t:1", batch: {}, traces_endpoint: "http://x" } }', [
      'exporters.otlp.batch: unknown key; known: endpoint, headers, compression, timeout, tls, sending_queue, retry_on_failure, max_request_bytes',
      'exporters.otlp.traces_endpoint: unknown key; known: endpoint, headers, compression, timeout, tls, sending_queue, retry_on_failure, max_request_bytes',
    ]],
    ['exporters: { otlp: { endpoint: "http://t:1", max_request_bytes: 4 } }', [
      'exporters.otlp.max_request_bytes: must be at least 1 KiB (1024 bytes), got 4',
    ]],
    ['exporters: { otlp: { endpoint: "http://t:1", max_request_bytes: 4 megabytes } }', [
      'exporters.otlp.max_request_bytes: expected a size in bytes, e.g. 4194304 or 4MiB, got "4 megabytes"',
    ]],
    ['exporters: { otlphttp: { endpoint: "http://t:1", encoding: xml, compression: zstd } }', [
      'exporters.otlphttp.encoding: expected one of proto, json, got "xml"',
      'exporters.otlphttp.compression: expected one of gzip, none, got "zstd"',
    ]],
    ['exporters: { otlp: { endpoint: 4317 } }', ['exporters.otlp.endpoint: expected a string, got 4317']],
    ['exporters: { otlp: { endpoint: "http://t:1", headers: [a] } }', ['exporters.otlp.headers: expected a map, got a list']],
    ['exporters: { otlp: { endpoint: "http://t:1", headers: { x-scope-orgid: "${env:TENANT}", a: {}, "b c": d, grpc-x: y } } }', [
      'exporters.otlp.headers.x-scope-orgid: no value (is its environment variable set?)',
      'exporters.otlp.headers.a: expected a string, got a map',
      'exporters.otlp.headers.b c: invalid header name "b c"',
      'exporters.otlp.headers.grpc-x: header "grpc-x" is reserved by gRPC or binary metadata, which is not supported',
    ]],
    ['exporters: { otlp: { endpoint: "http://t:1", tls: { insecure: yes, ca_file: 3, min_version: "1.2" } } }', [
      'exporters.otlp.tls.min_version: unknown key; known: insecure, ca_file, cert_file, key_file, insecure_skip_verify, server_name',
      'exporters.otlp.tls.insecure: expected true or false, got "yes"',
      'exporters.otlp.tls.ca_file: expected a string, got 3',
    ]],
    ['exporters: { otlp: { endpoint: "http://t:1", tls: 3 } }', ['exporters.otlp.tls: expected a map, got 3']],
  ];
  for (const [yaml, want] of rows) t.same(configProblems(yaml), want, yaml);
});

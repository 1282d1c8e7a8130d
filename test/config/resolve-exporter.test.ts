import t from 'tap';
import type { ExporterConfig, OtlpExporterConfig } from '../../src/config/config.js';
import { configFrom, configProblems, type BuildOptions } from '../helpers/config-builders.js';

function otlp(yaml: string | undefined, options: BuildOptions = {}): OtlpExporterConfig {
  const exporter: ExporterConfig = configFrom(yaml, options).exporter;
  if (exporter.type !== 'otlp') throw new Error(`expected otlp, got ${exporter.type}`);
  return exporter;
}

const all = (url: string) => ({ traces: url, logs: url, metrics: url });
const tracesOnly = `
  receivers: { otlp: { protocols: { grpc: } } }
  exporters: { debug: }
  service: { pipelines: { traces: { receivers: [otlp], exporters: [debug] } } }
`;

t.test('which exporter', async (t) => {
  t.same(configFrom(undefined).exporter, { type: 'debug', verbosity: 'basic' }, 'nothing anywhere: debug');
  t.equal(configFrom(undefined, { argv: ['--upstream', 'http://t:4317'] }).exporter.type, 'otlp', '--upstream');
  t.equal(configFrom(undefined, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://t:4318' } }).exporter.type, 'otlp', 'env endpoint');
  t.equal(configFrom(undefined, { env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://t:4318', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://t:4318' } }).exporter.type, 'otlp');
  t.equal(configFrom(undefined, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } }).exporter.type, 'debug', 'empty is unset');
  t.same(
    configFrom('exporters: { debug: { verbosity: detailed } }', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://t:4318' } }).exporter,
    { type: 'debug', verbosity: 'detailed' },
    'YAML beats env',
  );
  t.equal(configFrom('exporters: { debug: }', { argv: ['--upstream', 'http://t:4317'] }).exporter.type, 'otlp', 'flags beat YAML');
  t.same(
    configProblems(undefined, { argv: ['--upstream-header', 'a=b', '--upstream-timeout', '1s', '--upstream-insecure'] }),
    ['--upstream-header, --upstream-timeout, --upstream-insecure: no upstream is configured (--upstream, exporters.otlp or exporters.otlphttp in --config, or OTEL_EXPORTER_OTLP_ENDPOINT)'],
  );
  for (const flag of ['--upstream-protocol=grpc', '--upstream-compression=none', '--upstream-ca=/a', '--upstream-cert=/c', '--upstream-key=/k']) {
    t.match(configProblems(undefined, { argv: [flag] }), [/no upstream is configured/], flag);
  }
});

t.test('--upstream alone: gRPC with the defaults', async (t) => {
  t.same(otlp(undefined, { argv: ['--upstream', 'http://tempo:4317'] }), {
    type: 'otlp',
    protocol: 'grpc',
    endpoints: all('http://tempo:4317'),
    headers: {},
    compression: 'gzip',
    timeoutMillis: 10_000,
    tls: { insecure: true, insecureSkipVerify: false },
  });
  t.same(otlp(undefined, { argv: ['--upstream', 'tempo:4317'] }).endpoints.traces, 'https://tempo:4317', 'scheme-less: TLS');
  t.same(otlp(undefined, { argv: ['--upstream', 'tempo:4317', '--upstream-insecure'] }).endpoints.traces, 'http://tempo:4317');
  const warnings: string[] = [];
  t.same(otlp(undefined, { argv: ['--upstream', 'https://tempo:4317', '--upstream-insecure'], warnings }).tls.insecure, false);
  t.same(warnings, ['the insecure setting is ignored: the upstream URL says https:// (the scheme decides)']);
  t.same(
    otlp(undefined, { argv: ['--upstream', 'http://tempo:4318/otlp', '--upstream-protocol', 'http/json'] }).endpoints,
    { traces: 'http://tempo:4318/otlp/v1/traces', logs: 'http://tempo:4318/otlp/v1/logs', metrics: 'http://tempo:4318/otlp/v1/metrics' },
    'HTTP: a base URL',
  );
  t.same(configProblems(undefined, { argv: ['--upstream', 'ftp://tempo'] }), [
    '--upstream: expected an http:// or https:// URL, got "ftp://tempo" (scheme ftp)',
  ]);
});

t.test('precedence: flags > YAML > env > defaults, headers merged per name', async (t) => {
  const yaml = `
    exporters:
      otlp:
        endpoint: http://from-yaml:4317
        headers: { a: yaml, b: yaml }
        timeout: 3s
  `;
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://from-env:4317',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=env,c=env',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_TIMEOUT: '7000',
  };
  t.same(otlp(yaml, { env }), {
    type: 'otlp',
    protocol: 'grpc',
    endpoints: all('http://from-yaml:4317'),
    headers: { a: 'yaml', b: 'yaml', c: 'env' },
    compression: 'none',
    timeoutMillis: 3000,
    tls: { insecure: true, insecureSkipVerify: false },
  });
  const argv = ['--upstream', 'http://from-flag:4317', '--upstream-header', 'B=flag', '--upstream-compression', 'gzip', '--upstream-timeout', '0'];
  t.same(otlp(yaml, { env, argv }), {
    type: 'otlp',
    protocol: 'grpc',
    endpoints: all('http://from-flag:4317'),
    headers: { a: 'yaml', b: 'flag', c: 'env' },
    compression: 'gzip',
    timeoutMillis: 0,
    tls: { insecure: true, insecureSkipVerify: false },
  });
  t.same(otlp('exporters: { otlp: {} }', { env }).endpoints, all('http://from-env:4317'), 'env fills what YAML leaves out');
  t.same(configProblems('exporters: { otlp: {} }'), ['exporters.otlp.endpoint: required (or set OTEL_EXPORTER_OTLP_ENDPOINT)']);
  t.same(
    otlp('exporters: { otlphttp: { endpoint: "http://y:4318" } }', { argv: ['--upstream-protocol', 'grpc'] }).endpoints,
    all('http://y:4318'),
    'a flag protocol overrides the YAML component',
  );
  t.same(
    otlp(undefined, { argv: ['--upstream', 'http://f:4318'], env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } }).protocol,
    'http/json',
    'env protocol applies when no flag or YAML sets one',
  );
});

t.test('OTEL env alone (checklist 70-75)', async (t) => {
  let exporter = otlp(undefined, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/base/', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318' },
  });
  t.equal(exporter.protocol, 'http/protobuf', 'the spec default protocol');
  t.same(exporter.endpoints, { traces: 'http://c:4318/', logs: 'http://c:4318/base/v1/logs', metrics: 'http://c:4318/base/v1/metrics' });

  exporter = otlp(undefined, {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_INSECURE: 'true',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=tenant1,authorization=Bearer%20abc',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
      OTEL_EXPORTER_OTLP_TIMEOUT: '0',
    },
  });
  t.same(exporter, {
    type: 'otlp',
    protocol: 'grpc',
    endpoints: all('http://collector:4317'),
    headers: { 'x-scope-orgid': 'tenant1', authorization: 'Bearer abc' },
    compression: 'none',
    timeoutMillis: 0,
    tls: { insecure: true, insecureSkipVerify: false },
  });
  t.equal(
    otlp(undefined, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_INSECURE: 'false' } }).endpoints.traces,
    'http://c:4317',
    'an http gRPC endpoint is plaintext regardless of INSECURE',
  );
  t.equal(
    otlp(undefined, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_INSECURE: 'True' } }).endpoints.traces,
    'http://c:4317',
    'case-insensitive true',
  );
  exporter = otlp(undefined, {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
      OTEL_EXPORTER_OTLP_CLIENT_KEY: '/key.pem',
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/cert.pem',
    },
  });
  t.same(exporter.tls, { insecure: false, caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem', insecureSkipVerify: false });

  const warnings: string[] = [];
  exporter = otlp(undefined, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TIMEOUT: '-1' }, warnings });
  t.equal(exporter.timeoutMillis, 10_000, 'negative: default');
  t.same(warnings, ['OTEL_EXPORTER_OTLP_TIMEOUT="-1" is negative; ignored']);

  t.same(configProblems(undefined, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' } }), [
    'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL, got "not a url"',
  ]);
});

t.test('per-signal env values must agree across the served signals', async (t) => {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' };
  t.same(configProblems(undefined, { env }), [
    'OTEL_EXPORTER_OTLP_*COMPRESSION differs between signals (traces: OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, logs: unset, metrics: unset); ' +
      'otlp-tagger exports every signal with one exporter: set the generic variable, or serve fewer signals (service.pipelines)',
  ]);
  t.equal(otlp(tracesOnly, { env, argv: ['--upstream', 'http://u:4317'] }).compression, 'none', 'only traces served: its own value applies');
  t.equal(otlp(undefined, { env, argv: ['--upstream-compression', 'gzip'] }).compression, 'gzip', 'not consulted when a flag decides');
  const served = `
    exporters: { otlphttp: { endpoint: "http://c:4318" } }
    service: { pipelines: { traces: { receivers: [otlp], exporters: [otlphttp] } } }
    receivers: { otlp: { protocols: { grpc: } } }
  `;
  t.equal(otlp(served, { env }).compression, 'none', 'same with the otlphttp component');
  t.match(
    configProblems(undefined, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_HEADERS: 'a=2' },
    }),
    [/^OTEL_EXPORTER_OTLP_\*HEADERS differs between signals \(traces: OTEL_EXPORTER_OTLP_HEADERS, logs: OTEL_EXPORTER_OTLP_LOGS_HEADERS, metrics: OTEL_EXPORTER_OTLP_HEADERS\)/],
  );
});

t.test('a served signal without an endpoint is an error, never localhost', async (t) => {
  t.same(configProblems(undefined, { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' } }), [
    'no endpoint for logs: set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, or serve only the signals that have one (service.pipelines)',
    'no endpoint for metrics: set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, or serve only the signals that have one (service.pipelines)',
  ]);
  const config = configFrom(
    `
    receivers: { otlp: { protocols: { grpc: } } }
    service: { pipelines: { traces: { receivers: [otlp] , exporters: [debug] } } }
    exporters: { debug: }
    `,
    { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }, argv: [] },
  );
  t.equal(config.exporter.type, 'debug', 'YAML chose debug');
  const grpcTraces = otlp(
    `
    receivers: { otlp: { protocols: { grpc: } } }
    exporters: { otlp: }
    service: { pipelines: { traces: { receivers: [otlp], exporters: [otlp] } } }
    `,
    { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4317' } },
  );
  t.same(grpcTraces.endpoints, { traces: 'http://c:4317', logs: 'http://localhost:4317', metrics: 'http://localhost:4317' }, 'unserved gRPC signals: the spec default, never dialled');
});

t.test('TLS checks', async (t) => {
  t.same(configProblems(undefined, { argv: ['--upstream', 'https://t:4317', '--upstream-cert', '/c.pem'] }), [
    'a client certificate and its key go together: give both (cert_file and key_file, --upstream-cert and --upstream-key) or neither',
  ]);
  t.same(configProblems(undefined, { argv: ['--upstream', 'https://t:4317', '--upstream-key', '/k.pem'] }).length, 1);
  const warnings: string[] = [];
  const exporter = otlp('exporters: { otlp: { endpoint: "http://t:4317", tls: { ca_file: /ca, server_name: x, insecure_skip_verify: true } } }', { warnings });
  t.same(exporter.tls, { insecure: true, caFile: '/ca', insecureSkipVerify: true, serverName: 'x' });
  t.same(warnings, ['TLS settings (caFile, serverName, insecureSkipVerify) are ignored: the upstream is plaintext (http://)']);
  t.same(
    otlp(undefined, { argv: ['--upstream', 'https://t:4317', '--upstream-ca', '/ca', '--upstream-cert', '/c', '--upstream-key', '/k'] }).tls,
    { insecure: false, caFile: '/ca', certFile: '/c', keyFile: '/k', insecureSkipVerify: false },
  );
  const yaml = 'exporters: { otlp: { endpoint: "https://t:4317", tls: { server_name: yaml.internal, insecure_skip_verify: false } } }';
  t.same(otlp(yaml).tls, { insecure: false, insecureSkipVerify: false, serverName: 'yaml.internal' });
  t.same(
    otlp(yaml, { argv: ['--upstream-server-name', 'flag.internal', '--upstream-insecure-skip-verify'] }).tls,
    { insecure: false, insecureSkipVerify: true, serverName: 'flag.internal' },
    '--upstream-server-name and --upstream-insecure-skip-verify win over the YAML',
  );
  t.same(
    otlp(undefined, { argv: ['--upstream', 'https://t:4317', '--upstream-server-name', 'n', '--upstream-insecure-skip-verify'] }).tls,
    { insecure: false, insecureSkipVerify: true, serverName: 'n' },
  );
  for (const flag of ['--upstream-server-name=n', '--upstream-insecure-skip-verify']) {
    t.match(configProblems(undefined, { argv: [flag] }), [/^--upstream-(server-name|insecure-skip-verify): no upstream is configured/], flag);
  }
  t.same(
    configProblems('exporters: { otlphttp: { endpoint: "http://c:4318", traces_endpoint: "https://c/v1/traces" } }'),
    ['exporter endpoints mix http:// and https:// (traces: https://c/v1/traces, logs: http://c:4318/v1/logs, metrics: http://c:4318/v1/metrics); use one scheme'],
  );
});

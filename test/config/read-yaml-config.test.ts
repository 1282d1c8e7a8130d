import path from 'node:path';
import t from 'tap';
import { createDefaultConfig, MiB } from '../../src/config/config.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

t.test('no YAML, or an empty document: the defaults', async (t) => {
  t.same(configFrom(undefined), createDefaultConfig());
  t.same(configFrom(''), createDefaultConfig());
  t.same(configFrom('# only a comment'), createDefaultConfig());
});

t.test('a complete Collector-shaped file', async (t) => {
  const dir = t.testdir({ 'server.pem': 'C', 'server-key.pem': 'K', 'clients-ca.pem': 'A', token: 'T', queue: {} });
  const file = (name: string) => path.join(dir, name);
  const config = configFrom(
    `
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: 127.0.0.1:14317
            max_recv_msg_size_mib: 8
            tls:
              cert_file: ${file('server.pem')}
              key_file: ${file('server-key.pem')}
              client_ca_file: ${file('clients-ca.pem')}
          http:
            endpoint: 127.0.0.1:14318
            max_request_body_size: 1048576
            tls:
              cert_file: ${file('server.pem')}
              key_file: ${file('server-key.pem')}
        auth:
          token_file: ${file('token')}
        forward_headers: [X-Scope-OrgID, x-team]
        limits:
          max_tags: 8
          max_tag_bytes: 256
          header_timeout: 5s
          request_timeout: 20s
          max_connections: 100
    processors:
      agent_tags:
        tags:
          deployment.environment.name: uat
          k8s.cluster.name: \${env:CLUSTER}
          cloud.account.id: $<ACCOUNT_ID:unknown>
        collision: prefix-and-keep
        prefix: hop.
        policies:
          k8s.cluster.name: override
    exporters:
      otlp:
        endpoint: http://tempo-distributor:4317
        headers:
          X-Scope-OrgID: \${env:TEMPO_TENANT}
        compression: none
        timeout: 5s
        max_request_bytes: 2MiB
        sending_queue:
          enabled: true
          storage: ${file('queue')}
          queue_size_bytes: 64MiB
          fsync: 200ms
        retry_on_failure:
          enabled: true
          initial_interval: 1s
          max_interval: 10s
          max_elapsed_time: 10m
          multiplier: 2
          randomization_factor: 0.25
    extensions:
      health_check:
        endpoint: 127.0.0.1:13133
    service:
      extensions: [health_check]
      shutdown_timeout: 20s
      max_inflight_bytes: 32MiB
      telemetry:
        logs:
          level: warn
      pipelines:
        traces:
          receivers: [otlp]
          processors: [agent_tags]
          exporters: [otlp]
    `,
    { env: { CLUSTER: 'eu-1', TEMPO_TENANT: 'team-a' } },
  );
  t.strictSame(config, {
    receivers: {
      grpc: {
        endpoint: '127.0.0.1:14317',
        maxRecvMsgSizeBytes: 8 * MiB,
        tls: { certFile: file('server.pem'), keyFile: file('server-key.pem'), clientCaFile: file('clients-ca.pem') },
      },
      http: { endpoint: '127.0.0.1:14318', maxRequestBodyBytes: 1048576, tls: { certFile: file('server.pem'), keyFile: file('server-key.pem') } },
      authTokenFile: file('token'),
      forwardHeaders: ['x-scope-orgid', 'x-team'],
    },
    processor: {
      rules: {
        tags: [
          { key: 'deployment.environment.name', value: { type: 'string', value: 'uat' } },
          { key: 'k8s.cluster.name', value: { type: 'string', value: 'eu-1' } },
          { key: 'cloud.account.id', value: { type: 'string', value: 'unknown' } },
        ],
        defaultPolicy: 'prefix-and-keep',
        policies: { 'k8s.cluster.name': 'override' },
        prefix: 'hop.',
      },
    },
    exporter: {
      type: 'otlp',
      protocol: 'grpc',
      endpoints: { traces: 'http://tempo-distributor:4317', logs: 'http://tempo-distributor:4317', metrics: 'http://tempo-distributor:4317' },
      headers: { 'x-scope-orgid': 'team-a' },
      compression: 'none',
      timeoutMillis: 5000,
      tls: { insecure: true, insecureSkipVerify: false },
    },
    pipelines: { traces: true, logs: false, metrics: false },
    log: { level: 'warn' },
    delivery: {
      mode: 'queue',
      queueDir: file('queue'),
      queueMaxBytes: 64 * MiB,
      fsync: 200,
      maxInflightBytes: 32 * MiB,
      upstreamMaxRequestBytes: 2 * MiB,
      shutdownTimeoutMillis: 20_000,
      retry: { enabled: true, initialIntervalMillis: 1000, maxIntervalMillis: 10_000, maxElapsedMillis: 600_000, multiplier: 2, randomizationFactor: 0.25 },
    },
    admin: { endpoint: '127.0.0.1:13133' },
    limits: { maxTags: 8, maxTagBytes: 256, headerTimeoutMillis: 5000, requestTimeoutMillis: 20_000, maxConnections: 100 },
    batch: null,
  });
  t.ok(Object.isFrozen(config) && Object.isFrozen(config.exporter) && Object.isFrozen(config.processor.rules.tags[0].value), 'deeply frozen');
});

t.test('receivers', async (t) => {
  let config = configFrom(`
    receivers:
      otlp:
        protocols:
          grpc:
  `);
  t.same(
    config.receivers,
    { grpc: { endpoint: '0.0.0.0:4317', maxRecvMsgSizeBytes: 4 * MiB, tls: null }, http: null, forwardHeaders: ['x-scope-orgid'] },
    'grpc alone, with defaults',
  );
  config = configFrom('receivers: { otlp: { protocols: { grpc: { max_recv_msg_size_mib: "${env:MIB}" } } } }', { env: { MIB: '16' } });
  t.equal(config.receivers.grpc?.maxRecvMsgSizeBytes, 16 * MiB, 'a number from the environment');
  config = configFrom(`
    receivers:
      otlp/edge:
        protocols:
          http: { endpoint: ":4318" }
  `);
  t.same(
    config.receivers,
    { grpc: null, http: { endpoint: ':4318', maxRequestBodyBytes: 20 * MiB, tls: null }, forwardHeaders: ['x-scope-orgid'] },
    'named component, http alone',
  );

  const rows: [string, string[]][] = [
    ['receivers: { kafka: {} }', ['receivers.kafka: unknown component; known: otlp']],
    ['receivers: [otlp]', ['receivers: expected a map, got a list']],
    ['receivers: { otlp: }', ['receivers.otlp.protocols: must enable grpc, http or both']],
    ['receivers: { otlp: { protocols: {} } }', ['receivers.otlp.protocols: must enable grpc, http or both']],
    ['receivers: { otlp: 3 }', ['receivers.otlp: expected a map, got 3']],
    ['receivers: { otlp: { protocols: 3 } }', ['receivers.otlp.protocols: expected a map, got 3']],
    ['receivers: { otlp: { protocols: { grpc: , x: 1 }, cors: 1 } }', [
      'receivers.otlp.cors: unknown key; known: protocols, auth, forward_headers, limits',
      'receivers.otlp.protocols.x: unknown key; known: grpc, http',
    ]],
    ['receivers: { otlp: { protocols: { grpc: { endpoint: 4317 } } } }', [
      'receivers.otlp.protocols.grpc.endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got 4317',
    ]],
    ['receivers: { otlp: { protocols: { grpc: { endpoint: "4317" } } } }', [
      'receivers.otlp.protocols.grpc.endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got "4317"',
    ]],
    ['receivers: { otlp: { protocols: { grpc: { transport: tcp, max_recv_msg_size_mib: 0 } } } }', [
      'receivers.otlp.protocols.grpc.transport: unknown key; known: endpoint, max_recv_msg_size_mib, tls',
      'receivers.otlp.protocols.grpc.max_recv_msg_size_mib: expected a positive integer, got 0',
    ]],
    ['receivers: { otlp: { protocols: { grpc: [] } } }', ['receivers.otlp.protocols.grpc: expected a map, got a list']],
    ['receivers: { otlp: { protocols: { http: 3 } } }', ['receivers.otlp.protocols.http: expected a map, got 3']],
    ['receivers: { otlp: { protocols: { http: { cors: {}, max_request_body_size: 1.5 } } } }', [
      'receivers.otlp.protocols.http.cors: unknown key; known: endpoint, max_request_body_size, tls',
      'receivers.otlp.protocols.http.max_request_body_size: expected a positive integer, got 1.5',
    ]],
    ['receivers: { otlp: { protocols: { grpc: { endpoint: "h:1" }, http: { endpoint: "h:1" } } } }', [
      'receivers: gRPC (h:1) and HTTP (h:1) cannot share a port',
    ]],
    ['receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:9" }, http: { endpoint: "127.0.0.1:9" } } } }', [
      'receivers: gRPC (0.0.0.0:9) and HTTP (127.0.0.1:9) cannot share a port',
    ]],
  ];
  for (const [yaml, want] of rows) t.same(configProblems(yaml), want, yaml);
  t.same(
    configFrom('receivers: { otlp: { protocols: { grpc: { endpoint: "a:9" }, http: { endpoint: "b:9" } } } }').receivers.http?.endpoint,
    'b:9',
    'same port on two specific hosts is fine',
  );
  t.same(
    configFrom('receivers: { otlp: { protocols: { grpc: { endpoint: "127.0.0.1:0" }, http: { endpoint: "127.0.0.1:0" } } } }').receivers.grpc?.endpoint,
    '127.0.0.1:0',
    'port 0 twice is fine',
  );
});

t.test('top level and service', async (t) => {
  const rows: [string, string[]][] = [
    ['- a', ['the configuration: expected a map, got a list']],
    ['connectors: {}', ['connectors: unknown section; known: receivers, processors, exporters, extensions, service']],
    ['service: { extensions: {} }', ['service.extensions: expected a list of names, got a map']],
    ['service: { limits: {} }', ['service.limits: unknown key; known: pipelines, telemetry, extensions, shutdown_timeout, max_inflight_bytes']],
    ['service: 3', ['service: expected a map, got 3']],
    ['service: { telemetry: 3 }', ['service.telemetry: expected a map, got 3']],
    ['service: { telemetry: { logs: [] } }', ['service.telemetry.logs: expected a map, got a list']],
    ['service: { telemetry: { metrics: {} } }', ['service.telemetry.metrics: unknown key; known: logs']],
    ['service: { telemetry: { logs: { level: trace, encoding: json } } }', [
      'service.telemetry.logs.encoding: unknown key; known: level',
      'service.telemetry.logs.level: expected one of debug, info, warn, error, silent, got "trace"',
    ]],
  ];
  for (const [yaml, want] of rows) t.same(configProblems(yaml), want, yaml);
  t.equal(configFrom('service: { telemetry: { logs: { level: debug } } }').log.level, 'debug');
  t.equal(configFrom('service: { telemetry: }').log.level, 'info');
});

const components = `
  receivers: { otlp: { protocols: { grpc: } } }
  processors: { agent_tags: { tags: a=1 } }
  exporters: { debug: { verbosity: detailed }, otlp: { endpoint: "http://up:4317" } }
`;

t.test('pipelines choose the components and the served signals', async (t) => {
  let config = configFrom(`${components}
  service:
    pipelines:
      logs: { receivers: [otlp], processors: [agent_tags], exporters: [debug] }
      metrics: { receivers: [otlp], processors: [agent_tags], exporters: [debug] }
  `);
  t.same(config.pipelines, { traces: false, logs: true, metrics: true });
  t.same(config.exporter, { type: 'debug', verbosity: 'detailed' });
  t.equal(config.processor.rules.tags.length, 1);

  config = configFrom(`${components}
  service: { pipelines: { traces: { receivers: [otlp], exporters: [otlp] } } }
  `);
  t.equal(config.exporter.type, 'otlp', 'the other exporter');
  t.same(config.processor.rules.tags, [], 'a pipeline without processors adds no tags');

  const rows: [string, string[]][] = [
    ['service: { pipelines: {} }', ['service.pipelines: no pipeline; define at least one of traces, logs, metrics']],
    ['service: { pipelines: 3 }', ['service.pipelines: expected a map, got 3']],
    ['service: { pipelines: { traces/2: {} } }', [
      'service.pipelines.traces/2: unknown pipeline; known: traces, logs, metrics',
      'service.pipelines: no pipeline; define at least one of traces, logs, metrics',
    ]],
    ['service: { pipelines: { traces: { receivers: [otlp], exporters: [otlp], connectors: [] } } }', [
      'service.pipelines.traces.connectors: unknown key; known: receivers, processors, exporters',
    ]],
    ['service: { pipelines: { traces: } }', [
      'service.pipelines.traces.receivers: expected exactly one receiver, got 0',
      'service.pipelines.traces.exporters: expected exactly one exporter, got 0',
    ]],
    ['service: { pipelines: { traces: [] } }', ['service.pipelines.traces: expected a map, got a list']],
    ['service: { pipelines: { traces: { receivers: otlp, exporters: [otlp, debug], processors: [agent_tags, agent_tags] } } }', [
      'service.pipelines.traces.receivers: expected a list of names, got "otlp"',
      'service.pipelines.traces.receivers: expected exactly one receiver, got 0',
      'service.pipelines.traces.processors: expected at most one processor of each type (agent_tags, batch), got agent_tags, agent_tags',
      'service.pipelines.traces.exporters: expected exactly one exporter, got 2',
    ]],
    ['service: { pipelines: { traces: { receivers: [kafka], processors: [batch], exporters: [otlp/x] } } }', [
      'service.pipelines.traces.receivers: "kafka" is not defined under receivers',
      'service.pipelines.traces.processors: "batch" is not defined under processors',
      'service.pipelines.traces.exporters: "otlp/x" is not defined under exporters',
    ]],
    ['service: { pipelines: { traces: { receivers: [otlp], exporters: [otlp] }, logs: { receivers: [otlp], processors: [agent_tags], exporters: [debug] } } }', [
      'service.pipelines: every pipeline must use the same processors (otlp-tagger runs one of each); got traces: none, logs: agent_tags',
      'service.pipelines: every pipeline must use the same exporters (otlp-tagger runs one of each); got traces: otlp, logs: debug',
    ]],
  ];
  for (const [yaml, want] of rows) t.same(configProblems(`${components}\n${yaml}`), want, yaml);
});

t.test('without pipelines, the only component of each kind is used', async (t) => {
  t.same(configProblems(components), ['exporters: debug, otlp are defined; choose one with service.pipelines']);
  t.same(
    configProblems(`
    receivers: { otlp: { protocols: { grpc: } }, otlp/2: { protocols: { http: } } }
    processors: { agent_tags: {}, agent_tags/2: {} }
    `),
    [
      'receivers: otlp, otlp/2 are defined; choose one with service.pipelines',
      'processors: agent_tags, agent_tags/2 are defined; choose one with service.pipelines',
    ],
  );
  const config = configFrom('exporters: { otlphttp/tempo: { endpoint: "http://tempo:4318" } }');
  t.same(config.pipelines, { traces: true, logs: true, metrics: true });
  t.match(config.exporter, { type: 'otlp', protocol: 'http/protobuf', endpoints: { logs: 'http://tempo:4318/v1/logs' } });
  t.same(configProblems('exporters: { kafka: {} }'), ['exporters.kafka: unknown component; known: otlp, otlphttp, debug']);
  t.same(configProblems('processors: { groupbytrace: {} }'), ['processors.groupbytrace: unknown component; known: agent_tags, batch']);
});

t.test('extensions.health_check is the admin endpoint; service.extensions enables it', async (t) => {
  const check = 'extensions: { health_check: { endpoint: "127.0.0.1:9" } }';
  t.same(configFrom(undefined).admin, { endpoint: '0.0.0.0:13133' }, 'on by default');
  t.same(configFrom(check).admin, { endpoint: '127.0.0.1:9' }, 'defined, no service.extensions: used');
  t.same(configFrom(`${check}\nservice: { extensions: [health_check] }`).admin, { endpoint: '127.0.0.1:9' });
  t.same(configFrom('extensions: { health_check: }\nservice: { extensions: [health_check] }').admin, { endpoint: '0.0.0.0:13133' });
  t.same(configFrom('extensions: { health_check/k8s: { endpoint: ":8080" } }').admin, { endpoint: ':8080' }, 'a named one');
  const warnings: string[] = [];
  t.equal(configFrom(`${check}\nservice: { extensions: [] }`, { warnings }).admin, null, 'left out of service.extensions: off');
  t.same(warnings, ['extensions.health_check is defined but not listed in service.extensions: not started']);
  t.equal(configFrom('service: { extensions: [] }').admin, null);

  const rows: [string, string[]][] = [
    ['extensions: { zpages: {}, health_check: { endpoint: 13133, path: /health } }', [
      'extensions.zpages: unknown component; known: health_check',
      'extensions.health_check.path: unknown key; known: endpoint',
      'extensions.health_check.endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got 13133',
    ]],
    ['extensions: { health_check: { endpoint: "13133" } }', ['extensions.health_check.endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got "13133"']],
    ['extensions: { health_check: 3 }', ['extensions.health_check: expected a map, got 3']],
    ['extensions: { health_check: , health_check/2: }', ['extensions: health_check, health_check/2 are defined; choose one with service.extensions']],
    ['extensions: { health_check: , health_check/2: }\nservice: { extensions: [health_check, health_check/2] }', [
      'service.extensions: expected at most one extension (health_check), got 2',
    ]],
    ['service: { extensions: [health_check] }', ['service.extensions: "health_check" is not defined under extensions']],
  ];
  for (const [yaml, want] of rows) t.same(configProblems(yaml), want, yaml);
  t.same(configFrom('extensions: { health_check: , health_check/2: { endpoint: ":1" } }\nservice: { extensions: [health_check/2] }').admin, { endpoint: ':1' });
});

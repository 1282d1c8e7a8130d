import t from 'tap';
import { describeConfig, displayHeaderValue } from '../../src/config/describe-config.js';
import { configFrom } from '../helpers/config-builders.js';

t.test('defaults: debug exporter, no tags', async (t) => {
  t.same(describeConfig(configFrom(undefined), { grpc: '127.0.0.1:4317', http: '127.0.0.1:4318' }), [
    'listening grpc=127.0.0.1:4317 http=127.0.0.1:4318',
    'exporting traces,logs,metrics to stdout (debug exporter, verbosity basic)',
    'tags: collision skip, prefix "agent."; none configured, resources pass through unchanged',
  ]);
  t.equal(describeConfig(configFrom(undefined), { http: '[::]:4318' })[0], 'listening grpc=off http=[::]:4318');
});

t.test('otlp exporter, typed tags, policies; secrets redacted', async (t) => {
  const config = configFrom(
    `
    processors:
      agent_tags:
        tags: { env: uat, replicas: 3, ratio: 0.5, canary: true }
        policies: { env: override }
    exporters:
      otlp:
        endpoint: https://tempo:4317
        headers:
          X-Scope-OrgID: team-a
          Authorization: Bearer s3cret
          x-api-key: k3y
          x-custom: c
          user-agent: me
        timeout: 1500ms
        tls: { ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, server_name: tempo.internal, insecure_skip_verify: true }
    `,
    { argv: ['--collision', 'prefix-and-keep'] },
  );
  const lines = describeConfig(config, { grpc: '0.0.0.0:4317', http: '0.0.0.0:4318' });
  t.same(lines, [
    'listening grpc=0.0.0.0:4317 http=0.0.0.0:4318',
    'exporting traces,logs,metrics to https://tempo:4317 via otlp grpc; compression gzip, timeout 1500ms, ' +
      'tls (ca /ca.pem, client cert /c.pem, client key /k.pem, server name tempo.internal, certificate NOT verified), ' +
      'headers x-scope-orgid=team-a authorization=<redacted> x-api-key=<redacted> x-custom=<redacted> user-agent=me',
    'tags: collision prefix-and-keep, prefix "agent."; env="uat" [override], replicas=3 (int), ratio=0.5 (double), canary=true (bool)',
  ]);
  t.notMatch(lines.join('\n'), /s3cret|k3y/);
});

t.test('per-signal endpoints, plaintext, system CAs', async (t) => {
  const config = configFrom(
    `
    exporters:
      otlphttp:
        endpoint: http://c:4318
        encoding: json
        timeout: 0s
    service:
      pipelines:
        traces: { receivers: [otlp], exporters: [otlphttp] }
        logs: { receivers: [otlp], exporters: [otlphttp] }
    receivers: { otlp: { protocols: { http: } } }
    `,
  );
  t.equal(
    describeConfig(config, { http: '0.0.0.0:4318' })[1],
    'exporting traces to http://c:4318/v1/traces, logs to http://c:4318/v1/logs via otlp http/json; compression gzip, timeout 0 (no limit), plaintext',
  );
  const tls = configFrom(undefined, { argv: ['--upstream', 'https://t:4317'] });
  t.match(describeConfig(tls, {})[1], /, tls \(system CAs\)$/);
});

t.test('displayHeaderValue', async (t) => {
  const rows: [string, string][] = [
    ['X-Scope-OrgID', 'v'],
    ['user-agent', 'v'],
    ['accept', 'v'],
    ['content-type', 'v'],
    ['authorization', '<redacted>'],
    ['proxy-authorization', '<redacted>'],
    ['x-auth-token', '<redacted>'],
    ['api-key', '<redacted>'],
    ['x-secret', '<redacted>'],
    ['x-password', '<redacted>'],
    ['cookie', '<redacted>'],
    ['x-anything-else', '<redacted>'],
  ];
  for (const [name, want] of rows) t.equal(displayHeaderValue(name, 'v'), want, name);
});

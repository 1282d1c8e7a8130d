import path from 'node:path';
import t from 'tap';
import { describeConfig, displayHeaderValue } from '../../src/config/describe-config.js';
import { configFrom } from '../helpers/config-builders.js';

t.test('defaults: debug exporter, no tags', async (t) => {
  t.same(describeConfig(configFrom(undefined), { grpc: '127.0.0.1:4317', http: '127.0.0.1:4318', admin: '127.0.0.1:13133' }), [
    'listening grpc=127.0.0.1:4317 http=127.0.0.1:4318 admin=127.0.0.1:13133',
    'receivers: grpc plaintext, http plaintext; auth off; forwarding x-scope-orgid; limits 4096 connections, header timeout 10s, request timeout 30s',
    'exporting traces,logs,metrics to stdout (debug exporter, verbosity basic)',
    'delivery: sync (clients hear success once the upstream accepted); retries every 500ms to 2s (×1.5, ±0.5) for up to 5s; ' +
      'in flight at most 128 MiB; shutdown timeout 25s',
    'tags: collision skip, prefix "agent."; none configured, resources pass through unchanged',
  ]);
  t.equal(describeConfig(configFrom(undefined), { http: '[::]:4318' })[0], 'listening grpc=off http=[::]:4318 admin=0.0.0.0:13133', 'the configured admin endpoint until bound');
  t.equal(describeConfig(configFrom(undefined, { argv: ['--admin-endpoint', 'off'] }), {})[0], 'listening grpc=off http=off admin=off');
});

t.test('receivers: TLS, mTLS, auth by path only, forwarding, limits', async (t) => {
  const dir = t.testdir({ 'cert.pem': 'C', 'key.pem': 'K', 'ca.pem': 'A', token: 'very-secret-token' });
  const file = (name: string) => path.join(dir, name);
  const config = configFrom(
    `
    receivers:
      otlp:
        protocols:
          grpc: { tls: { cert_file: ${file('cert.pem')}, key_file: ${file('key.pem')}, client_ca_file: ${file('ca.pem')} } }
          http: { tls: { cert_file: ${file('cert.pem')}, key_file: ${file('key.pem')} } }
        auth: { token_file: ${file('token')} }
        forward_headers: [x-scope-orgid, x-tenant]
        limits: { max_connections: 10, header_timeout: 2s, request_timeout: 1m }
    `,
  );
  const lines = describeConfig(config, {});
  t.equal(
    lines[1],
    `receivers: grpc tls (cert ${file('cert.pem')}, client certificates required, CA ${file('ca.pem')}), http tls (cert ${file('cert.pem')}); ` +
      `auth bearer token from ${file('token')}; forwarding x-scope-orgid,x-tenant; limits 10 connections, header timeout 2s, request timeout 60s`,
  );
  t.notMatch(lines.join('\n'), /very-secret-token/, 'never the token');
  t.notMatch(lines.join('\n'), /key\.pem/, 'the key file is not worth a mention');
  const alone = configFrom('receivers: { otlp: { protocols: { http: }, forward_headers: [] } }');
  t.equal(describeConfig(alone, {})[1], 'receivers: http plaintext; auth off; forwarding no headers; limits 4096 connections, header timeout 10s, request timeout 30s');
  t.match(describeConfig(configFrom('receivers: { otlp: { protocols: { grpc: } } }'), {})[1], /^receivers: grpc plaintext; auth off; /);
});

t.test('delivery: queue in memory or on disk, retries off or unbounded, split size', async (t) => {
  const delivery = (yaml: string, argv: string[] = []) => describeConfig(configFrom(yaml, { argv }), {})[3];
  const upstream = 'exporters: { otlphttp: { endpoint: "http://up:4318", sending_queue: {}, retry_on_failure: { enabled: false } } }';
  t.equal(
    delivery(upstream),
    'delivery: queue in memory, 256 MiB (lost on exit); retries off, requests split above 20 MiB; in flight at most 128 MiB; shutdown timeout 25s',
  );
  t.equal(
    delivery(
      'exporters: { otlp: { endpoint: "http://up:4317", max_request_bytes: 1536, retry_on_failure: { max_elapsed_time: 0 } } }',
      ['--delivery', 'queue', '--queue-dir', '/var/lib/q', '--queue-max-bytes', '1GiB', '--fsync', '250ms', '--max-inflight-bytes', '64MiB', '--shutdown-timeout', '1m'],
    ),
    'delivery: queue on disk in /var/lib/q, 1 GiB, fsync every 250ms; retries every 5s to 30s (×1.5, ±0.5) no time limit, ' +
      'requests split above 1.5 KiB; in flight at most 64 MiB; shutdown timeout 60s',
  );
  t.match(delivery('', ['--delivery=queue', '--queue-dir=/q']), /^delivery: queue on disk in \/q, 256 MiB, fsync always; /);
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
  const lines = describeConfig(config, { grpc: '0.0.0.0:4317', http: '0.0.0.0:4318' }).filter((line) => /^(exporting|tags)/.test(line));
  t.same(lines, [
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
    describeConfig(config, { http: '0.0.0.0:4318' })[2],
    'exporting traces to http://c:4318/v1/traces, logs to http://c:4318/v1/logs via otlp http/json; compression gzip, timeout 0 (no limit), plaintext',
  );
  const tls = configFrom(undefined, { argv: ['--upstream', 'https://t:4317'] });
  t.match(describeConfig(tls, {})[2], /, tls \(system CAs\)$/);
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

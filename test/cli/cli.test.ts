// The built binary (`node dist/main.js`; `npm test` builds first), spawned as a user would run it.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { loopback, mainJs, root, runCli, startService } from '../helpers/cli-process.js';
import { decodeRequest, encodeRequest } from '../helpers/reference-codec.js';


const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

function writeConfig(t: Test, yaml: string): string {
  const dir = t.testdir({});
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

const traceRequest = () =>
  encodeRequest('traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'GET /' }] }],
      },
    ],
  });

t.test('--help prints every flag, the defaults and an example; exit 0', async (t) => {
  const [{ code, stdout, stderr }, short] = await Promise.all([runCli(t, ['--help']), runCli(t, ['-h'])]);
  t.equal(code, 0);
  t.equal(stderr, '');
  t.match(stdout, /^Usage: otlp-tagger \[flags\]/);
  for (const flag of [
    '--tags', '--agent.tags', '--jaeger.tags', '--collision', '--upstream-protocol', '--upstream-insecure', '--upstream-insecure-skip-verify',
    '--upstream-server-name', '--upstream-max-request-bytes', '--delivery', '--queue-dir', '--queue-max-bytes', '--fsync',
    '--max-inflight-bytes', '--shutdown-timeout', '--tls-cert', '--tls-key', '--tls-client-ca', '--auth-token-file', '--forward-header',
    '--admin-endpoint', '--config', '--version',
  ]) {
    t.match(stdout, flag);
  }
  t.match(stdout, /default 0\.0\.0\.0:4317/);
  t.match(stdout, /default 0\.0\.0\.0:13133/);
  t.match(stdout, /--delivery sync\|queue\n.*\(default sync\)/);
  t.match(stdout, "otlp-tagger --tags 'env=uat,account=$<ACCT:none>' --upstream http://tempo:4317");
  t.equal(short.code, 0);
  t.equal(short.stdout, stdout, '-h is --help');
});

t.test('--version prints the package version', async (t) => {
  const { code, stdout } = await runCli(t, ['--version']);
  t.equal(code, 0);
  t.equal(stdout, pkg.version);
});

t.test('the shipped launch commands (image ENTRYPOINT, npm start) use Node flags this Node accepts', async (t) => {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  const start = /&& node (.*) dist\/main\.js$/.exec((pkg as unknown as { scripts: { start: string } }).scripts.start);
  t.ok(entrypoint, 'the Dockerfile has an exec-form ENTRYPOINT');
  t.ok(start, 'npm start runs node … dist/main.js');
  const image = JSON.parse(entrypoint?.[1] ?? '[]') as string[];
  t.same([image[0], image.at(-1)], ['node', '/app/dist/main.js']);
  const launches = { image: image.slice(1, -1), 'npm start': (start?.[1] ?? '').split(' ') };
  for (const [name, flags] of Object.entries(launches)) {
    t.ok(flags.includes('--no-memory-reducer'), `${name}: without V8's memory reducer`);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [...flags, mainJs, '--version'], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr }),
      ),
    );
    t.same({ code, stdout, stderr }, { code: 0, stdout: pkg.version, stderr: '' }, `${name}: node ${flags.join(' ')} starts`);
  }
});

t.test('configuration errors: message on stderr, exit 2, nothing on stdout', async (t) => {
  const rows: [string[], Record<string, string>, string][] = [
    [['--bogus'], {}, 'otlp-tagger: unknown flag --bogus; see --help'],
    [['--tags', 'env=uat,'], {}, 'otlp-tagger: --tags "env=uat,": tag spec entry 2 "": empty entry (stray or trailing comma?); expected key=value'],
    [['--tags=a=${1X}'], {}, 'otlp-tagger: --tags "a=${1X}": tag spec entry 1 "a=${1X}": invalid variable name "1X" in "${1X}" (expected letters, digits and _, not starting with a digit)'],
    [['--upstream', 'tempo'], {}, 'otlp-tagger: --upstream: expected host:port or an http:// or https:// URL, got "tempo"'],
    [['--config', '/nonexistent/otlp-tagger.yaml'], {}, "otlp-tagger: --config /nonexistent/otlp-tagger.yaml: cannot read: ENOENT: no such file or directory, open '/nonexistent/otlp-tagger.yaml'"],
    [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'], {}, [
      'otlp-tagger: 2 configuration errors:',
      "  - --tls-cert: cannot read /nonexistent/cert.pem: ENOENT: no such file or directory, access '/nonexistent/cert.pem'",
      "  - --tls-key: cannot read /nonexistent/key.pem: ENOENT: no such file or directory, access '/nonexistent/key.pem'",
    ].join('\n')],
    [['--fsync', '100ms'], {}, 'otlp-tagger: --fsync: only applies to queue delivery (--delivery queue, or sending_queue in --config)'],
    [['--admin-endpoint', ':4317'], {}, 'otlp-tagger: the admin endpoint (:4317) and the gRPC receiver (0.0.0.0:4317) cannot share a port'],
  ];
  // In parallel: each is a separate process and the machine may be slow.
  const results = await Promise.all(rows.map(([argv, env]) => runCli(t, argv, env)));
  rows.forEach(([argv, , message], i) => {
    const { code, stdout, stderr } = results[i];
    t.equal(code, 2, argv.join(' '));
    t.equal(stderr, message, argv.join(' '));
    t.equal(stdout, '');
  });
});

t.test('YAML errors name their paths, all at once; warnings come first', async (t) => {
  const file = writeConfig(
    t,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      grpc:',
      '        endpoint: 4317',
      'exporters:',
      '  kafka: {}',
      '  otlp:',
      '    endpoint: ${env:UPSTREAM}',
      '',
    ].join('\n'),
  );
  const { code, stderr } = await runCli(t, ['--config', file]);
  t.equal(code, 2);
  t.equal(
    stderr,
    [
      'otlp-tagger: warning: exporters.otlp.endpoint: environment variable UPSTREAM is not set',
      'otlp-tagger: 3 configuration errors:',
      '  - receivers.otlp.protocols.grpc.endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got 4317',
      '  - exporters.kafka: unknown component; known: otlp, otlphttp, debug',
      '  - exporters.otlp.endpoint: required (or set OTEL_EXPORTER_OTLP_ENDPOINT)',
    ].join('\n'),
  );
  const broken = await runCli(t, ['--config', writeConfig(t, 'a: [\n')]);
  t.equal(broken.code, 2);
  t.match(broken.stderr, /^otlp-tagger: .*config\.yaml: /);
});

t.test('YAML with env expansion: startup lines, tags applied, SIGTERM → exit 0', async (t) => {
  const file = writeConfig(
    t,
    [
      'processors:',
      '  agent_tags:',
      '    tags:',
      '      k8s.cluster.name: ${env:CLUSTER}',
      '      account: $<ACCOUNT:none>',
      '      env: ${STAGE:dev}',
      '      gone: ${env:UNSET_IN_TEST}',
      '    collision: override',
      'exporters:',
      '  debug: { verbosity: basic }',
      '',
    ].join('\n'),
  );
  const { cli, http: httpAddress } = await startService(t, ['--config', file], { CLUSTER: 'eu-1', STAGE: 'uat' });
  await cli.waitFor('stderr', /"level":"warn".*"msg":"processors\.agent_tags\.tags\.gone: environment variable UNSET_IN_TEST is not set"/);
  await cli.waitFor('stderr', /"msg":"exporting traces,logs,metrics to stdout \(debug exporter, verbosity basic\)"/);
  const tags = await cli.waitFor('stderr', /"msg":"(tags: .*)"/);
  t.equal(tags[1], 'tags: collision override, prefix \\"agent.\\"; k8s.cluster.name=\\"eu-1\\", account=\\"none\\", env=\\"uat\\"');

  const response = await fetch(`http://${httpAddress}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: traceRequest(),
  });
  t.equal(response.status, 200);
  await response.arrayBuffer();
  const line = await cli.waitFor('stdout', /^traces: .*$/);
  t.match(line[0], /^traces: 1 resource, 1 span.*3 applied/);

  cli.child.kill('SIGTERM');
  t.equal(await cli.exit, 0);
  t.match(cli.stderr.join('\n'), /SIGTERM: shutting down/);
});

t.test('flags only: tags reach a real upstream (HTTP/protobuf), SIGINT → exit 0', async (t) => {
  const received: Buffer[] = [];
  const upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.teardown(() => upstream.close());
  const { port } = upstream.address() as net.AddressInfo;

  const { cli, http: httpAddress } = await startService(
    t,
    [
      '--tags', 'env=uat,account=$<ACCT:none>',
      '--tags', 'service.name=overridden?',
      '--upstream', `http://127.0.0.1:${port}`,
      '--upstream-protocol=http/protobuf',
      '--upstream-compression', 'none',
      '--upstream-header', 'X-Scope-OrgID=team-a',
      '--upstream-header', 'Authorization=Bearer s3cret',
      '--forward-header', 'X-Tenant',
      '--shutdown-timeout', '5s',
      '--upstream-max-request-bytes', '1MiB',
    ],
    { ACCT: '42' },
  );
  const receivers = await cli.waitFor('stderr', /"msg":"(receivers: .*)"/);
  t.equal(receivers[1], 'receivers: grpc plaintext, http plaintext; auth off; forwarding x-tenant; limits 4096 connections, header timeout 10s, request timeout 30s');
  const delivery = await cli.waitFor('stderr', /"msg":"(delivery: .*)"/);
  t.match(delivery[1], /^delivery: sync \(clients hear success once the upstream accepted\); retries .*, requests split above 1 MiB; in flight at most 128 MiB; shutdown timeout 5s$/);
  const exporting = await cli.waitFor('stderr', /"msg":"(exporting .*)"/);
  const base = `http://127.0.0.1:${port}`;
  t.equal(
    exporting[1],
    `exporting traces to ${base}/v1/traces, logs to ${base}/v1/logs, metrics to ${base}/v1/metrics via otlp http/protobuf; ` +
      'compression none, timeout 10s, plaintext, headers x-scope-orgid=team-a authorization=<redacted>',
  );
  t.notMatch(cli.stderr.join('\n'), /s3cret/, 'the secret is never printed');

  const response = await fetch(`http://${httpAddress}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: traceRequest(),
  });
  t.equal(response.status, 200);
  await response.arrayBuffer();
  t.equal(received.length, 1);
  const forwarded = decodeRequest('traces', received[0]) as { resourceSpans: { resource: { attributes: { key: string; value: unknown }[] } }[] };
  t.same(forwarded.resourceSpans[0].resource.attributes, [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'env', value: { stringValue: 'uat' } },
    { key: 'account', value: { stringValue: '42' } },
  ], 'default policy skip keeps the application\'s service.name');

  cli.child.kill('SIGINT');
  t.equal(await cli.exit, 0);
});

t.test('a port already in use: message and exit 1', async (t) => {
  const blocker = net.createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  const { code, stderr } = await runCli(t, ['--grpc-endpoint', `127.0.0.1:${port}`, '--http-endpoint', '127.0.0.1:0', '--admin-endpoint', 'off']);
  t.equal(code, 1);
  t.match(stderr, /otlp-tagger: cannot start: /);
});

t.test('an unreadable TLS file: message and exit 1', async (t) => {
  const { code, stderr } = await runCli(t, [
    ...loopback,
    '--upstream', 'https://127.0.0.1:1',
    '--upstream-ca', '/nonexistent/ca.pem',
  ]);
  t.equal(code, 1);
  t.match(stderr, /^otlp-tagger: cannot start: .*\/nonexistent\/ca\.pem/m);
});

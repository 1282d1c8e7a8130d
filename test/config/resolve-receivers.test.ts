import path from 'node:path';
import t, { type Test } from 'tap';
import { checkReadableFile } from '../../src/config/resolve-receivers.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

/** Real files: the parse checks that they can be read. */
function pki(t: Test) {
  const dir = t.testdir({ 'a.pem': 'A', 'a-key.pem': 'AK', 'b.pem': 'B', 'b-key.pem': 'BK', 'ca.pem': 'CA', token: 'T', sub: {} });
  return (name: string) => path.join(dir, name);
}

t.test('TLS: --tls-* apply to both receivers, field by field over the YAML', async (t) => {
  const f = pki(t);
  const yaml = `
    receivers:
      otlp:
        protocols:
          grpc: { tls: { cert_file: ${f('a.pem')}, key_file: ${f('a-key.pem')}, client_ca_file: ${f('ca.pem')} } }
          http:
  `;
  let receivers = configFrom(yaml).receivers;
  t.same(receivers.grpc?.tls, { certFile: f('a.pem'), keyFile: f('a-key.pem'), clientCaFile: f('ca.pem') });
  t.equal(receivers.http?.tls, null, 'plaintext unless configured');

  receivers = configFrom(yaml, { argv: ['--tls-cert', f('b.pem'), '--tls-key', f('b-key.pem')] }).receivers;
  t.same(receivers.grpc?.tls, { certFile: f('b.pem'), keyFile: f('b-key.pem'), clientCaFile: f('ca.pem') }, 'flags win; the YAML CA stays');
  t.same(receivers.http?.tls, { certFile: f('b.pem'), keyFile: f('b-key.pem') });

  receivers = configFrom(undefined, { argv: ['--tls-cert', f('b.pem'), '--tls-key', f('b-key.pem'), '--tls-client-ca', f('ca.pem')] }).receivers;
  t.same(receivers.grpc?.tls, receivers.http?.tls);
  t.same(receivers.http?.tls, { certFile: f('b.pem'), keyFile: f('b-key.pem'), clientCaFile: f('ca.pem') });
});

t.test('TLS: cert and key together; files must be readable', async (t) => {
  const f = pki(t);
  const missing = f('missing.pem');
  const rows: [string | undefined, string[], (string | RegExp)[]][] = [
    [undefined, ['--tls-cert', f('a.pem')], ["--tls-cert: a receiver's certificate and key go together: give both (tls.cert_file and tls.key_file, or --tls-cert and --tls-key)"]],
    [undefined, ['--tls-client-ca', f('ca.pem')], [/^--tls-client-ca: a receiver's certificate and key go together/]],
    [`receivers: { otlp: { protocols: { http: { tls: { key_file: ${f('a-key.pem')} } } } } }`, [], [
      /^receivers\.otlp\.protocols\.http\.tls\.key_file: a receiver's certificate and key go together/,
    ]],
    [undefined, ['--tls-cert', missing, '--tls-key', f('sub')], [
      `--tls-cert: cannot read ${missing}: ENOENT: no such file or directory, access '${missing}'`,
      `--tls-key: cannot read ${f('sub')}: is a directory`,
    ]],
    [`receivers: { otlp: { protocols: { grpc: { tls: { cert_file: ${f('a.pem')}, key_file: ${f('a-key.pem')}, client_ca_file: ${missing} } } } } }`, [], [
      `receivers.otlp.protocols.grpc.tls.client_ca_file: cannot read ${missing}: ENOENT: no such file or directory, access '${missing}'`,
    ]],
  ];
  for (const [yaml, argv, want] of rows) t.match(configProblems(yaml, { argv }), want, argv.join(' ') || String(yaml));
  t.throws(() => checkReadableFile(f('sub')), { message: 'is a directory' });
  t.doesNotThrow(() => checkReadableFile(f('a.pem')));
});

t.test('auth token file: flag > YAML; readable; only its path is kept', async (t) => {
  const f = pki(t);
  const yaml = `receivers: { otlp: { protocols: { grpc: { endpoint: "127.0.0.1:4317" } }, auth: { token_file: ${f('token')} } } }`;
  t.equal(configFrom(yaml).receivers.authTokenFile, f('token'));
  t.equal(configFrom(yaml, { argv: ['--auth-token-file', f('a.pem')] }).receivers.authTokenFile, f('a.pem'));
  t.equal(configFrom(undefined).receivers.authTokenFile, undefined);
  t.notOk('authTokenFile' in configFrom(undefined).receivers, 'absent, not undefined');
  t.same(configProblems(undefined, { argv: ['--auth-token-file', f('nope')] }), [
    `--auth-token-file: cannot read ${f('nope')}: ENOENT: no such file or directory, access '${f('nope')}'`,
  ]);
  t.same(configProblems(`receivers: { otlp: { protocols: { http: }, auth: { token_file: ${f('nope')} } } }`), [
    `receivers.otlp.auth.token_file: cannot read ${f('nope')}: ENOENT: no such file or directory, access '${f('nope')}'`,
  ]);
});

t.test('auth token over plaintext to a non-loopback address: a warning', async (t) => {
  const f = pki(t);
  const warnings: string[] = [];
  configFrom(undefined, { argv: ['--auth-token-file', f('token'), '--grpc-endpoint', '127.0.0.1:4317'], warnings });
  t.same(warnings, [
    '--auth-token-file: clients send the token in plaintext to 0.0.0.0:4318; give the receivers a certificate (--tls-cert, --tls-key) unless the network is trusted',
  ]);
  warnings.length = 0;
  configFrom(undefined, { argv: ['--auth-token-file', f('token'), '--tls-cert', f('a.pem'), '--tls-key', f('a-key.pem')], warnings });
  configFrom(undefined, { argv: ['--auth-token-file', f('token'), '--grpc-endpoint', 'localhost:1', '--http-endpoint', '[::1]:2'], warnings });
  t.same(warnings, [], 'TLS, or loopback only');
});

t.test('forwarded headers: flags > YAML > default; authorization never with auth', async (t) => {
  const f = pki(t);
  const yaml = 'receivers: { otlp: { protocols: { http: }, forward_headers: [x-tenant] } }';
  t.same(configFrom(undefined).receivers.forwardHeaders, ['x-scope-orgid']);
  t.same(configFrom(yaml).receivers.forwardHeaders, ['x-tenant']);
  t.same(configFrom(yaml, { argv: ['--forward-header', 'X-A', '--forward-header=x-b'] }).receivers.forwardHeaders, ['x-a', 'x-b']);
  t.same(configFrom(yaml, { argv: ['--forward-header', 'none'] }).receivers.forwardHeaders, []);
  t.same(configFrom(undefined, { argv: ['--forward-header', 'authorization'] }).receivers.forwardHeaders, ['authorization'], 'without auth it is the client\'s');
  t.same(configProblems(undefined, { argv: ['--forward-header', 'Authorization', '--auth-token-file', f('token'), '--grpc-endpoint=127.0.0.1:1', '--http-endpoint=127.0.0.1:2'] }), [
    '--forward-header: "authorization" carries the clients\' token (--auth-token-file); it is never forwarded upstream',
  ]);
  t.same(configProblems(`receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:1" } }, forward_headers: [authorization], auth: { token_file: ${f('token')} } } }`), [
    'receivers.otlp.forward_headers: "authorization" carries the clients\' token (receivers.otlp.auth.token_file); it is never forwarded upstream',
  ]);
});

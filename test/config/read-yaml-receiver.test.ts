import t from 'tap';
import { readOtlpReceiver } from '../../src/config/read-yaml-receiver.js';
import { parseYaml } from '../../src/config/load-config.js';
import { configProblems } from '../helpers/config-builders.js';

function read(yaml: string) {
  const errors: string[] = [];
  const layer = readOtlpReceiver(parseYaml(yaml, 'test.yaml'), 'receivers.otlp', errors);
  return { layer, errors };
}

t.test('our own keys: auth, forward_headers, limits', async (t) => {
  const { layer, errors } = read(`
protocols: { grpc: }
auth: { token_file: /run/token }
forward_headers: [X-Scope-OrgID, x-team, x-scope-orgid]
limits: { max_tags: 3, max_tag_bytes: "100", header_timeout: 1s, request_timeout: 2m, max_connections: 7 }
`);
  t.same(errors, []);
  t.same(layer, {
    where: 'receivers.otlp',
    grpc: { endpoint: undefined, maxRecvMsgSizeBytes: undefined, tls: undefined },
    http: null,
    authTokenFile: '/run/token',
    forwardHeaders: ['x-scope-orgid', 'x-team'],
    limits: { maxTags: 3, maxTagBytes: 100, headerTimeoutMillis: 1000, requestTimeoutMillis: 120_000, maxConnections: 7 },
  }, 'lower-cased and de-duplicated');
  t.same(read('protocols: { http: }\nforward_headers: []').layer?.forwardHeaders, [], 'an empty list forwards nothing');
  t.same(read('protocols: { http: { tls: { cert_file: /c, key_file: /k } } }').layer?.http?.tls, {
    where: 'receivers.otlp.protocols.http.tls',
    certFile: '/c',
    keyFile: '/k',
    clientCaFile: undefined,
  });
});

t.test('errors name the path and the value', async (t) => {
  const rows: [string, string[]][] = [
    ['protocols: { grpc: { tls: 3 } }', ['receivers.otlp.protocols.grpc.tls: expected a map, got 3']],
    ['protocols: { grpc: { tls: { cert_file: 3, key_file: "", ca_file: /x } } }', [
      'receivers.otlp.protocols.grpc.tls.ca_file: unknown key; known: cert_file, key_file, client_ca_file',
      'receivers.otlp.protocols.grpc.tls.cert_file: expected a string, got 3',
      'receivers.otlp.protocols.grpc.tls.key_file: must not be empty',
    ]],
    ['protocols: { http: }\nauth: { authenticator: bearertokenauth, token_file: "" }', [
      'receivers.otlp.auth.authenticator: unknown key; known: token_file',
      'receivers.otlp.auth.token_file: must not be empty',
    ]],
    ['protocols: { http: }\nauth: [a]', ['receivers.otlp.auth: expected a map, got a list']],
    ['protocols: { http: }\nforward_headers: x-scope-orgid', ['receivers.otlp.forward_headers: expected a list of header names, got "x-scope-orgid"']],
    ['protocols: { http: }\nforward_headers: [3, "a b", content-length, grpc-x]', [
      'receivers.otlp.forward_headers[0]: expected a header name, got 3',
      'receivers.otlp.forward_headers[1]: invalid header name "a b"',
      'receivers.otlp.forward_headers[2]: header "content-length" is set by the protocol itself and cannot be forwarded',
      'receivers.otlp.forward_headers[3]: header "grpc-x" is reserved by gRPC or binary metadata, which is not supported',
    ]],
    ['protocols: { http: }\nlimits: { max_tags: 0, max_tag_bytes: -1, header_timeout: 0s, request_timeout: 10, max_connections: 1.5, max_streams: 1 }', [
      'receivers.otlp.limits.max_streams: unknown key; known: max_tags, max_tag_bytes, header_timeout, request_timeout, max_connections',
      'receivers.otlp.limits.max_tags: expected a positive integer, got 0',
      'receivers.otlp.limits.max_tag_bytes: expected a positive integer, got -1',
      'receivers.otlp.limits.header_timeout: must be more than 0',
      'receivers.otlp.limits.request_timeout: expected a duration like 10s or 500ms, got 10',
      'receivers.otlp.limits.max_connections: expected a positive integer, got 1.5',
    ]],
    ['protocols: { http: }\nlimits: 3', ['receivers.otlp.limits: expected a map, got 3']],
  ];
  for (const [yaml, want] of rows) t.same(read(yaml).errors, want, yaml);
  t.same(
    configProblems('receivers: { otlp/edge: { protocols: { grpc: }, limits: { request_timeout: 0 } } }'),
    ['receivers.otlp/edge.limits.request_timeout: must be more than 0'],
    'named components keep their name in messages',
  );
});

/**
 * TLS and bearer auth through the whole service: the service reads certificates and the token
 * from the configured files, and a reload re-reads them (new connections get the new
 * certificate, the new token is required) without a restart. A file that cannot be used rejects
 * the reload and the running material stays.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import type { Config } from '../../src/config/config.js';
import { ErrorCode } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { signals, type Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRawGrpcClient } from '../helpers/grpc-raw-client.js';
import { otlpExporter, startTagger, type StartedTagger } from '../helpers/start-tagger.js';
import { loadTestPki, opensslMissingReason, type KeyPair } from '../helpers/test-pki.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const pki = loadTestPki();
const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });
const body = buildRequest('traces');

function httpsPost(url: string, ca: Buffer, client: KeyPair, token: string): Promise<number | 'refused'> {
  return new Promise((resolve) => {
    const request = https.request(
      `${url}/v1/traces`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
        ca,
        cert: client.cert,
        key: client.key,
        agent: false,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode as number));
      },
    );
    request.on('error', () => resolve('refused'));
    request.end(body);
  });
}

async function grpcCall(t: Test, address: string, ca: Buffer, client: KeyPair, token: string): Promise<number> {
  const raw = createRawGrpcClient(address, { credentials: grpc.credentials.createSsl(ca, client.key, client.cert) });
  t.teardown(() => raw.close());
  const outcome = await raw.call(signals.traces.grpcMethod, body, { metadata: { authorization: `Bearer ${token}` }, deadline: Date.now() + 5000 });
  return outcome.ok ? GrpcCode.OK : outcome.code;
}

t.test('certificates and token come from files and are re-read on reload', { skip: pki ? false : opensslMissingReason }, async (t) => {
  if (!pki) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'otlp-tagger-secrets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = { certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key'), clientCaFile: path.join(dir, 'ca.crt') };
  const tokenFile = path.join(dir, 'token');
  copyFileSync(pki.server.certFile, files.certFile);
  copyFileSync(pki.server.keyFile, files.keyFile);
  copyFileSync(pki.ca.certFile, files.clientCaFile);
  writeFileSync(tokenFile, 'first-token\n');

  const upstream = await startGrpcUpstream(t);
  let config: Config | undefined;
  const tagger: StartedTagger = await startTagger(t, {
    exporter: otlpExporter('grpc', same(upstream.url)),
    adjust: (base) =>
      (config = {
        ...base,
        receivers: {
          ...base.receivers,
          grpc: base.receivers.grpc && { ...base.receivers.grpc, tls: files },
          http: base.receivers.http && { ...base.receivers.http, tls: files },
          authTokenFile: tokenFile,
        },
        limits: { ...base.limits, headerTimeoutMillis: 5000, requestTimeoutMillis: 10_000, maxConnections: 100 },
      }),
  });
  t.match(tagger.httpUrl, /^https:/);
  const { ca, client, otherCa } = pki;

  t.equal(await httpsPost(tagger.httpUrl, ca.cert, client, 'first-token'), 200, 'https + mTLS + token');
  t.equal(await grpcCall(t, tagger.grpcAddress, ca.cert, client, 'first-token'), GrpcCode.OK, 'gRPC TLS + mTLS + token');
  t.equal(await httpsPost(tagger.httpUrl, ca.cert, client, 'wrong'), 401);
  t.equal(await grpcCall(t, tagger.grpcAddress, ca.cert, client, 'wrong'), GrpcCode.UNAUTHENTICATED);
  t.equal(await httpsPost(tagger.httpUrl, ca.cert, pki.untrustedServer, 'first-token'), 'refused', 'a client certificate from another CA');

  // Rotate: a certificate from the other CA, and a new token.
  copyFileSync(pki.untrustedServer.certFile, files.certFile);
  copyFileSync(pki.untrustedServer.keyFile, files.keyFile);
  writeFileSync(tokenFile, 'second-token\n');
  const result = tagger.service.reload(config as Config);
  t.same(result, { applied: true, needsRestart: [] }, 'nothing needs a restart');

  t.equal(await httpsPost(tagger.httpUrl, otherCa.cert, client, 'second-token'), 200, 'https serves the new certificate');
  t.equal(await grpcCall(t, tagger.grpcAddress, otherCa.cert, client, 'second-token'), GrpcCode.OK, 'so does gRPC');
  t.equal(await httpsPost(tagger.httpUrl, ca.cert, client, 'second-token'), 'refused', 'the old certificate is gone');
  t.equal(await httpsPost(tagger.httpUrl, otherCa.cert, client, 'first-token'), 401, 'the old token is gone');
  t.equal(await grpcCall(t, tagger.grpcAddress, otherCa.cert, client, 'first-token'), GrpcCode.UNAUTHENTICATED);

  // A broken certificate or an empty token file rejects the reload; the running material stays.
  writeFileSync(files.certFile, 'not a certificate');
  t.throws(() => tagger.service.reload(config as Config), { code: ErrorCode.CONFIG });
  copyFileSync(pki.untrustedServer.certFile, files.certFile);
  writeFileSync(tokenFile, '');
  t.throws(() => tagger.service.reload(config as Config), { code: ErrorCode.CONFIG, message: /empty/ });
  t.equal(await httpsPost(tagger.httpUrl, otherCa.cert, client, 'second-token'), 200, 'still serving what it had');
  t.equal(await grpcCall(t, tagger.grpcAddress, otherCa.cert, client, 'second-token'), GrpcCode.OK);

  // The token file removed from the configuration: authentication is off.
  const open = tagger.service.reload({ ...(config as Config), receivers: { ...(config as Config).receivers, authTokenFile: undefined } });
  t.same(open.needsRestart, []);
  t.equal(await httpsPost(tagger.httpUrl, otherCa.cert, client, 'anything'), 200);
});

t.test('a TLS change that needs a restart is reported, not applied', { skip: pki ? false : opensslMissingReason }, async (t) => {
  if (!pki) return;
  const upstream = await startGrpcUpstream(t);
  let config: Config | undefined;
  const tagger = await startTagger(t, { exporter: otlpExporter('grpc', same(upstream.url)), adjust: (c) => (config = c) });
  const base = config as Config;
  const tls = { certFile: pki.server.certFile, keyFile: pki.server.keyFile };
  const result = tagger.service.reload({
    ...base,
    receivers: { ...base.receivers, http: base.receivers.http && { ...base.receivers.http, tls } },
  });
  t.same(result.needsRestart, ['receivers']);
  t.equal((await fetch(`${tagger.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })).status, 200, 'still plaintext');
});

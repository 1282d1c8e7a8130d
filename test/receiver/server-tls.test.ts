import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { checkServerTls, readAuthToken, readServerTls, secureContextOptions } from '../../src/receiver/server-tls.js';
import { loadTestPki, opensslMissingReason } from '../helpers/test-pki.js';

const pki = loadTestPki();

function tempDir(t: Test): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'otlp-tagger-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('readServerTls reads certificate, key and client CA', { skip: pki ? false : opensslMissingReason }, async (t) => {
  if (!pki) return;
  const plain = readServerTls({ certFile: pki.server.certFile, keyFile: pki.server.keyFile });
  t.same(plain, { cert: pki.server.cert, key: pki.server.key });
  const mutual = readServerTls({ certFile: pki.server.certFile, keyFile: pki.server.keyFile, clientCaFile: pki.ca.certFile });
  t.same(mutual.clientCa, pki.ca.cert);
  t.same(secureContextOptions(mutual), { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert });
});

t.test('unusable material is a CONFIG error that never quotes the key', { skip: pki ? false : opensslMissingReason }, async (t) => {
  if (!pki) return;
  t.throws(() => readServerTls({ certFile: '/nonexistent/cert.pem', keyFile: pki.server.keyFile }), {
    code: ErrorCode.CONFIG,
    message: /cannot read the TLS certificate \/nonexistent\/cert\.pem/,
  });
  t.throws(() => readServerTls({ certFile: pki.server.certFile, keyFile: pki.server.keyFile, clientCaFile: '/nonexistent/ca.pem' }), {
    message: /client CA file/,
  });
  // A key that does not belong to the certificate.
  let error: unknown;
  try {
    readServerTls({ certFile: pki.server.certFile, keyFile: pki.client.keyFile });
  } catch (err) {
    error = err;
  }
  t.match(error, { code: ErrorCode.CONFIG, message: /invalid TLS certificate or key in .*server\.crt/ });
  t.notOk(String((error as Error).message).includes(pki.client.key.toString().split('\n')[1]), 'no key material in the message');
  t.throws(() => checkServerTls({ cert: Buffer.from('not a pem'), key: pki.server.key }), { code: ErrorCode.CONFIG, message: /the TLS material/ });
});

t.test('readAuthToken trims the file; empty or spaced tokens are refused', async (t) => {
  const dir = tempDir(t);
  const file = (name: string, content: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  t.equal(readAuthToken(file('ok', '  abc.DEF-123\n')), 'abc.DEF-123');
  t.throws(() => readAuthToken(file('empty', '\n')), { code: ErrorCode.CONFIG, message: /is empty/ });
  t.throws(() => readAuthToken(file('spaced', 'two words\n')), { code: ErrorCode.CONFIG, message: /contains whitespace/ });
  t.throws(() => readAuthToken(path.join(dir, 'missing')), { code: ErrorCode.CONFIG, message: /cannot read the auth token file/ });
});

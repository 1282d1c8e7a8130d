/**
 * Throw-away TLS material made with `openssl` at test time: a CA, a server certificate for
 * 127.0.0.1 / localhost / upstream.test signed by it, a client certificate (mTLS) signed by it,
 * and a second, untrusted CA with its own server certificate. Generated once per test process
 * into a temporary directory removed at exit. `loadTestPki()` is undefined when openssl is
 * missing, so TLS tests can skip with a reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface KeyPair {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly keyFile: string;
  readonly certFile: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: KeyPair;
  /** SANs: IP 127.0.0.1, DNS localhost, DNS upstream.test. */
  readonly server: KeyPair;
  /** For mTLS; extendedKeyUsage clientAuth. */
  readonly client: KeyPair;
  /** A CA nobody trusts, and a server certificate (127.0.0.1) signed by it. */
  readonly otherCa: KeyPair;
  readonly untrustedServer: KeyPair;
}

export const opensslMissingReason = 'openssl is not installed; TLS tests need it to make certificates';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function keyPair(dir: string, name: string): KeyPair {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), keyFile, certFile };
}

function makeCa(dir: string, name: string): KeyPair {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=otlp-tagger test ${name}`, '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return keyPair(dir, name);
}

function makeLeaf(dir: string, name: string, ca: string, extensions: string, serial: number): KeyPair {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`,
  ]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', String(serial),
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`,
  ]);
  return keyPair(dir, name);
}

let cached: TestPki | undefined | null = null;

export function loadTestPki(): TestPki | undefined {
  if (cached !== null) return cached;
  if (!hasOpenssl()) return (cached = undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'otlp-tagger-pki-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:upstream.test\nextendedKeyUsage=serverAuth\n';
  const ca = makeCa(dir, 'ca');
  const otherCa = makeCa(dir, 'other-ca');
  cached = {
    dir,
    ca,
    server: makeLeaf(dir, 'server', 'ca', serverExt, 1),
    client: makeLeaf(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n', 2),
    otherCa,
    untrustedServer: makeLeaf(dir, 'untrusted-server', 'other-ca', serverExt, 3),
  };
  return cached;
}

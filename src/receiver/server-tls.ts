/**
 * TLS material of a receiver, and the files it comes from. The service reads the files (at start
 * and on every reload) and hands the receivers bytes, so that a reload can swap certificates
 * without a restart, and a bad new file is refused before anything is swapped.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { ErrorCode, TaggerError } from '../errors.js';

export interface ServerTls {
  /** PEM certificate chain and its private key. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** PEM CAs that client certificates must chain to; set = mTLS (clients without one are refused). */
  readonly clientCa?: Buffer;
}

export interface ServerTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
}

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TaggerError(ErrorCode.CONFIG, `cannot read the ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads and checks (key matches certificate, PEM parses) the files; throws a CONFIG TaggerError. */
export function readServerTls(files: ServerTlsFiles): ServerTls {
  const material: ServerTls = {
    cert: readFile(files.certFile, 'TLS certificate'),
    key: readFile(files.keyFile, 'TLS key'),
    ...(files.clientCaFile === undefined ? {} : { clientCa: readFile(files.clientCaFile, 'client CA file') }),
  };
  checkServerTls(material, `${files.certFile} / ${files.keyFile}`);
  return material;
}

/** Throws a CONFIG TaggerError when Node cannot build a context from the material (the key is never quoted). */
export function checkServerTls(material: ServerTls, where = 'the TLS material'): void {
  try {
    tls.createSecureContext(secureContextOptions(material));
  } catch (err) {
    throw new TaggerError(ErrorCode.CONFIG, `invalid TLS certificate or key in ${where}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export function secureContextOptions(material: ServerTls): tls.SecureContextOptions {
  return { cert: material.cert, key: material.key, ...(material.clientCa === undefined ? {} : { ca: material.clientCa }) };
}

/** The bearer token of `receivers.authTokenFile`: the file's content without surrounding whitespace. */
export function readAuthToken(file: string): string {
  const token = readFile(file, 'auth token file').toString('utf8').trim();
  if (token === '') throw new TaggerError(ErrorCode.CONFIG, `the auth token file ${file} is empty`);
  if (/[\s]/.test(token)) throw new TaggerError(ErrorCode.CONFIG, `the auth token in ${file} contains whitespace`);
  return token;
}

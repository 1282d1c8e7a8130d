/** Reads the PEM files an exporter's TLS settings name, once at startup, failing fast. */
import { readFileSync } from 'node:fs';
import { ErrorCode, TaggerError } from '../errors.js';
import type { ExporterTls } from './exporter.js';

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

function read(field: string, file: string | undefined): Buffer | undefined {
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TaggerError(ErrorCode.CONFIG, `exporter tls.${field}: cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export function readTlsFiles(tls: ExporterTls): TlsMaterial {
  const material = {
    ca: read('ca_file', tls.caFile),
    cert: read('cert_file', tls.certFile),
    key: read('key_file', tls.keyFile),
  };
  if ((material.cert === undefined) !== (material.key === undefined)) {
    throw new TaggerError(ErrorCode.CONFIG, 'exporter tls: cert_file and key_file go together (mTLS needs both)');
  }
  return material;
}

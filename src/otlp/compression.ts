/**
 * gzip for both receivers and exporters. Inflation is bounded: zlib stops once the output would
 * pass the limit, so a small bomb is refused without allocating its expansion.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ErrorCode, TaggerError } from '../errors.js';

const gunzipAsync = promisify(zlib.gunzip) as (buf: Uint8Array, options: zlib.ZlibOptions) => Promise<Buffer>;
const gzipAsync = promisify(zlib.gzip) as (buf: Uint8Array, options: zlib.ZlibOptions) => Promise<Buffer>;

export type Compression = 'gzip' | 'none';

export async function gunzipBounded(compressed: Uint8Array, maxBytes: number): Promise<Buffer> {
  try {
    return await gunzipAsync(compressed, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TaggerError(ErrorCode.TOO_LARGE, `decompressed payload is larger than the limit of ${maxBytes} bytes`, {
        cause: err,
      });
    }
    throw new TaggerError(ErrorCode.COMPRESSION, `invalid gzip data: ${(err as Error).message}`, { cause: err });
  }
}

export function gzip(data: Uint8Array): Promise<Buffer> {
  // Level 1: on a hop, CPU is the scarce resource and OTLP compresses well even at level 1.
  return gzipAsync(data, { level: 1 });
}

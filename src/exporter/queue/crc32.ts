/**
 * CRC-32 (IEEE 802.3, the zlib/gzip one) of the WAL records. node:zlib has it natively since
 * Node 20.15 / 22.2; the table version covers older Node 20 releases, which `engines` allows.
 */
import zlib from 'node:zlib';

/** `crc32(data, previous)` continues a running checksum, as zlib's does. */
export type Crc32 = (data: Uint8Array, previous?: number) => number;

const table = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c >>> 0;
}

export const tableCrc32: Crc32 = (data, previous = 0) => {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

export function pickCrc32(native: Crc32 | undefined): Crc32 {
  return native ?? tableCrc32;
}

export const crc32: Crc32 = pickCrc32((zlib as { crc32?: Crc32 }).crc32);

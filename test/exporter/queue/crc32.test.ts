import zlib from 'node:zlib';
import t from 'tap';
import { crc32, pickCrc32, tableCrc32 } from '../../../src/exporter/queue/crc32.js';

t.test('the table CRC-32 is the zlib one', async (t) => {
  t.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926, 'the standard check value');
  t.equal(tableCrc32(Buffer.alloc(0)), 0);
  const data = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
  t.equal(tableCrc32(data), zlib.crc32(data));
  t.equal(tableCrc32(data.subarray(100), tableCrc32(data.subarray(0, 100))), tableCrc32(data), 'running checksum');
  t.equal(crc32(data), tableCrc32(data));
});

t.test('native when node:zlib has it, the table otherwise', async (t) => {
  t.equal(pickCrc32(undefined), tableCrc32);
  t.equal(pickCrc32(zlib.crc32), zlib.crc32);
});

import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ErrorCode } from '../../../src/errors.js';
import type { QueueEntry } from '../../../src/exporter/queue/delivery-queue.js';
import { openWal, type Wal, type WalOptions } from '../../../src/exporter/queue/wal.js';
import { SEGMENT_MAGIC, encodeRecord } from '../../../src/exporter/queue/wal-record.js';
import { silentLogger } from '../../../src/logger.js';
import { clientStatusOf } from '../../../src/otlp/status.js';
import { buildRequest } from '../../helpers/build-request.js';
import { createRecordingLogger } from '../../helpers/recording-logger.js';
import { createFaultyWalFs, ioError } from './faulty-wal-fs.js';

const body = buildRequest('traces', { items: ['span'] });
const entry = (tag: string, size?: number): QueueEntry => ({
  signal: 'traces',
  headers: { tag },
  body: size === undefined ? body : Buffer.alloc(size, 1),
  enqueuedAt: 1000,
});

async function open(t: Test, dir: string, options: Partial<WalOptions> = {}): Promise<Wal> {
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger, ...options });
  t.teardown(() => wal.close());
  return wal;
}

/** Takes everything waiting; returns the tags in order, and the leases. */
async function takeAll(wal: Wal): Promise<{ tags: string[]; ids: number[] }> {
  const tags: string[] = [];
  const ids: number[] = [];
  for (let lease = await wal.take(); lease !== undefined; lease = await wal.take()) {
    tags.push(lease.entry.headers.tag);
    ids.push(lease.id);
  }
  return { tags, ids };
}

const logs = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

t.test('written entries are replayed on open, in order, byte for byte', async (t) => {
  const dir = t.testdir();
  const first = await openWal({ dir: path.join(dir, 'queue'), maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  await first.push({ ...entry('a'), signal: 'logs', headers: { tag: 'a', 'x-scope-orgid': 't1' } });
  await Promise.all([first.push(entry('b')), first.push(entry('c'))]);
  t.same([first.items, first.waiting, first.segments], [3, 3, 1]);
  t.equal(first.bytes, statSync(path.join(dir, 'queue', logs(path.join(dir, 'queue'))[0])).size, 'bytes = the segment on disk');
  await first.close();
  await first.close();
  await t.rejects(first.push(entry('late')), { code: ErrorCode.UPSTREAM_UNAVAILABLE }, 'closed: refused, retryably');

  const second = await open(t, path.join(dir, 'queue'));
  t.equal(second.stats.replayed, 3);
  const lease = await second.take();
  t.same(lease?.entry, { signal: 'logs', headers: { tag: 'a', 'x-scope-orgid': 't1' }, body, enqueuedAt: 1000 });
  t.same((await takeAll(second)).tags, ['b', 'c']);
});

t.test('removed entries are not replayed; taken but not removed ones are (a crash mid-delivery)', async (t) => {
  const dir = t.testdir();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  for (const tag of ['a', 'b', 'c', 'd']) await wal.push(entry(tag));
  const { ids } = await takeAll(wal);
  await wal.remove(ids[0]);
  await wal.remove(ids[2]);
  await wal.remove(ids[2]);
  t.same([wal.items, wal.waiting], [2, 0]);
  await wal.close(); // "crash": b and d were in flight

  const again = await open(t, dir);
  t.equal(again.stats.replayed, 2);
  t.same((await takeAll(again)).tags, ['b', 'd']);
});

t.test('segments rotate; fully delivered ones are deleted, on the fly and on open', async (t) => {
  const dir = t.testdir();
  const record = encodeRecord(entry('x')).length;
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', segmentBytes: SEGMENT_MAGIC.length + 2 * record, logger: silentLogger });
  for (let i = 0; i < 7; i++) await wal.push(entry(String(i)));
  t.equal(logs(dir).length, 4, '2 records per segment');
  t.equal(wal.segments, 4);
  const { tags, ids } = await takeAll(wal);
  t.same(tags, ['0', '1', '2', '3', '4', '5', '6']);
  for (const id of ids.slice(0, 4)) await wal.remove(id);
  t.equal(logs(dir).length, 2, 'the two first segments are gone');
  t.same(readdirSync(dir).filter((n) => n.endsWith('.ack')).length, 0, 'with their ack files');
  await wal.remove(ids[6]);
  t.equal(readdirSync(dir).filter((n) => n.endsWith('.ack')).length, 1, 'an ack in the current segment');
  for (const id of ids.slice(4, 6)) await wal.remove(id);
  t.equal(logs(dir).length, 1, 'only the current segment is left');
  await wal.push(entry('7'));
  const seven = await wal.take();
  await wal.remove(seven!.id);
  const delivered = logs(dir)[0];
  await wal.push(entry('8'));
  t.same(logs(dir).length, 1, 'the delivered current segment was deleted once sealed by the rotation');
  t.not(logs(dir)[0], delivered);
  await wal.close();

  const again = await open(t, dir);
  t.same((await takeAll(again)).tags, ['8']);
  await again.close();
  const emptyDir = path.join(dir, 'other');
  const third = await openWal({ dir: emptyDir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  const lease = (await third.push(entry('z')), await third.take());
  await third.remove(lease!.id);
  await third.close();
  await open(t, emptyDir);
  t.same(readdirSync(emptyDir), [], 'a segment with everything acked is deleted on open');
});

t.test('one entry larger than a segment gets a segment of its own', async (t) => {
  const dir = t.testdir();
  const wal = await open(t, dir, { segmentBytes: 200 });
  await wal.push(entry('small'));
  await wal.push(entry('big', 1000));
  await wal.push(entry('after'));
  t.equal(logs(dir).length, 3);
  t.same((await takeAll(wal)).tags, ['small', 'big', 'after']);
});

t.test('a torn tail (crash mid-write) is cut off on open; the entries before it come back', async (t) => {
  const dir = t.testdir();
  const records = createRecordingLogger();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  await wal.push(entry('a'));
  await wal.push(entry('b'));
  await wal.close();
  const file = path.join(dir, logs(dir)[0]);
  const goodSize = statSync(file).size;
  const partial = Buffer.concat(encodeRecord(entry('torn')).chunks).subarray(0, 30);
  appendFileSync(file, partial);

  const again = await open(t, dir, { logger: records });
  t.equal(again.stats.replayed, 2);
  t.equal(again.stats.truncatedBytes, 30);
  t.equal(statSync(file).size, goodSize, 'truncated');
  t.match(records.records, [{ level: 'warn', msg: /torn or damaged tail/, fields: { bytes: 30, offset: goodSize } }]);
  await again.push(entry('c'));
  t.same((await takeAll(again)).tags, ['a', 'b', 'c'], 'new writes go to a new segment, after the replayed ones');
  await again.close();
  t.same((await takeAll(await open(t, dir))).tags, ['a', 'b', 'c']);
});

t.test('a corrupted record (bad CRC) ends the readable part of its segment', async (t) => {
  const dir = t.testdir();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  for (const tag of ['a', 'b', 'c']) await wal.push(entry(tag));
  await wal.close();
  const file = path.join(dir, logs(dir)[0]);
  const data = readFileSync(file);
  const record = encodeRecord(entry('a')).length;
  data[SEGMENT_MAGIC.length + record + 20] ^= 0xff;
  writeFileSync(file, data);
  appendFileSync(file, Buffer.from('garbage at the end'));
  const again = await open(t, dir);
  t.same((await takeAll(again)).tags, ['a']);
  t.equal(again.stats.truncatedBytes, 2 * record + 18);
});

t.test('leftovers: segments torn at creation or holding nothing whole, and orphan ack files, are deleted; foreign files are left', async (t) => {
  const dir = t.testdir({
    'wal-0000000000000003.log': 'OTL',
    'wal-0000000000000004.log': '',
    'wal-0000000000000005.ack': Buffer.alloc(8),
    'wal-0000000000000006.log': 'OTLPWAL1 and then a torn record',
    'wal-0000000000000009.log': 'not a queue segment at all',
    'notes.txt': 'hello',
  });
  const records = createRecordingLogger();
  const wal = await open(t, dir, { logger: records });
  t.same(readdirSync(dir).sort(), ['notes.txt', 'wal-0000000000000009.log']);
  t.match(records.records, [{ level: 'warn', msg: /torn or damaged tail/ }, { level: 'error', msg: /not a queue segment/ }]);
  await wal.push(entry('a'));
  t.ok(existsSync(path.join(dir, 'wal-0000000000000010.log')), 'numbering continues after every name seen');
});

t.test('a torn ack entry is ignored and then overwritten', async (t) => {
  const dir = t.testdir();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  for (const tag of ['a', 'b', 'c']) await wal.push(entry(tag));
  const { ids } = await takeAll(wal);
  await wal.remove(ids[0]);
  await wal.close();
  const ackFile = path.join(dir, readdirSync(dir).find((n) => n.endsWith('.ack'))!);
  appendFileSync(ackFile, Buffer.from([0, 0, 0]));

  const again = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  const second = await takeAll(again);
  t.same(second.tags, ['b', 'c']);
  await again.remove(second.ids[0]);
  await again.close();
  t.equal(statSync(ackFile).size, 16, 'the torn entry was overwritten');
  t.same((await takeAll(await open(t, dir))).tags, ['c']);
});

t.test('fsync always: one fdatasync per group of concurrent writes, before they are acknowledged', async (t) => {
  const fs = createFaultyWalFs();
  const wal = await open(t, t.testdir(), { fs });
  await wal.push(entry('a'));
  t.equal(fs.count('datasync', '.log'), 2, 'the new segment, then the record');
  await Promise.all(Array.from({ length: 50 }, (_, i) => wal.push(entry(String(i)))));
  const syncs = fs.count('datasync', '.log') - 2;
  t.ok(syncs >= 1 && syncs < 50, `group commit: ${syncs} syncs for 50 writes`);
  t.equal(fs.count('syncDir'), 1, 'the directory is synced when a segment is created');
  t.equal(fs.count('datasync', '.ack'), 0, 'acks are never synced');
});

t.test('fsync every N ms: acknowledged after the write, synced by the timer and at close', async (t) => {
  const fs = createFaultyWalFs();
  const dir = t.testdir();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 5, fs, logger: silentLogger });
  await wal.push(entry('a'));
  const afterCreate = fs.count('datasync', '.log');
  t.equal(afterCreate, 0, 'nothing synced on the write path');
  await until(() => fs.count('datasync', '.log') > 0);
  t.equal(fs.count('datasync', '.log'), 1, 'the timer synced the dirty segment');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(fs.count('datasync', '.log'), 1, 'not again while clean');
  await wal.push(entry('b'));
  await wal.close();
  t.equal(fs.count('datasync', '.log'), 2, 'close syncs what is dirty');
});

t.test('fsync every N ms: rotation syncs the segment it seals; a failed sync is counted and logged', async (t) => {
  const fs = createFaultyWalFs();
  const records = createRecordingLogger();
  const wal = await open(t, t.testdir(), { fs, fsync: 60_000, segmentBytes: 100, logger: records });
  await wal.push(entry('a'));
  fs.faults.datasync = () => ioError('EIO');
  await wal.push(entry('b'));
  t.equal(fs.count('datasync', '.log'), 1, 'the sealed segment was synced');
  t.equal(wal.stats.storageErrors, 1);
  t.match(records.records, [{ level: 'error', msg: /persistent queue I\/O failure/, fields: { what: 'fsync' } }]);
  await wal.close();
  t.equal(wal.stats.storageErrors, 2, 'the sync at close failed too');
  t.match(records.records, [
    { level: 'error', fields: { what: 'fsync' } },
    { level: 'info', msg: 'persistent queue I/O recovered' },
    { level: 'error', fields: { what: 'fsync' } },
  ]);
});

t.test('a full queue refuses with RESOURCE_EXHAUSTED + RetryInfo, counting bytes on disk', async (t) => {
  const wal = await open(t, path.join(t.testdir(), 'bytes'), { maxBytes: 400, retryAfterMillis: 3000 });
  await wal.push(entry('a', 150));
  await wal.push(entry('b', 150));
  const refusal = await wal.push(entry('c', 150)).catch((err: unknown) => err);
  t.match(refusal, { code: ErrorCode.OVERLOADED, retryAfterMillis: 3000 });
  t.equal(clientStatusOf(refusal).httpStatus, 429);
  await t.rejects(open(t, path.join(t.testdir(), 'count'), { maxItems: 0 }).then(async (w) => (await w.push(entry('x')), w.push(entry('y')))), {
    code: ErrorCode.OVERLOADED,
  });
});

t.test('ENOSPC mid-write: the client gets a retryable refusal, the torn bytes are cut off', async (t) => {
  const dir = t.testdir();
  const fs = createFaultyWalFs();
  const records = createRecordingLogger();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', fs, logger: records });
  await wal.push(entry('a'));
  const file = path.join(dir, logs(dir)[0]);
  const size = statSync(file).size;

  fs.faults.writev = () => 20;
  const refusal = await wal.push(entry('b')).catch((err: unknown) => err);
  t.match(refusal, { code: ErrorCode.STORAGE, message: /could not store the request: short write \(20 of \d+ bytes\)/, retryAfterMillis: 1000 });
  t.same([clientStatusOf(refusal).grpcCode, clientStatusOf(refusal).httpStatus, clientStatusOf(refusal).retryable], [14, 503, true]);
  t.equal(statSync(file).size, size, 'cut back to the last good record');
  fs.faults.writev = () => ioError('ENOSPC');
  await t.rejects(wal.push(entry('c')), { code: ErrorCode.STORAGE, message: /ENOSPC/ });
  t.equal(wal.stats.storageErrors, 2);
  t.same([wal.items, wal.bytes], [1, size]);

  delete fs.faults.writev;
  await wal.push(entry('d'));
  t.match(records.records, [
    { level: 'error', msg: /refused as retryable/ },
    { level: 'debug' },
    { level: 'info', msg: 'persistent queue I/O recovered', fields: { storageErrors: 2 } },
  ]);
  await wal.close();
  t.same((await takeAll(await open(t, dir))).tags, ['a', 'd']);
});

t.test('a failed write that cannot be cut back seals the segment: nothing is written after it', async (t) => {
  const dir = t.testdir();
  const fs = createFaultyWalFs();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', fs, logger: silentLogger });
  await wal.push(entry('a'));
  fs.faults.writev = () => 30;
  fs.faults.truncate = () => ioError('EIO');
  await t.rejects(wal.push(entry('b')), { code: ErrorCode.STORAGE });
  delete fs.faults.writev;
  delete fs.faults.truncate;
  await wal.push(entry('c'));
  t.equal(logs(dir).length, 2, 'c went to a new segment');
  await wal.close();
  const again = await open(t, dir);
  t.same((await takeAll(again)).tags, ['a', 'c']);
  t.equal(again.stats.truncatedBytes, 30, 'the torn bytes were cut at the next open');
});

t.test('a failed fsync (always) refuses the write too', async (t) => {
  const fs = createFaultyWalFs();
  const wal = await open(t, t.testdir(), { fs });
  await wal.push(entry('a'));
  fs.faults.datasync = () => ioError('EIO');
  await t.rejects(wal.push(entry('b')), { code: ErrorCode.STORAGE, message: /EIO/ });
  t.equal(wal.items, 1);
});

t.test('a segment that cannot be created refuses the write, and leaves no file behind', async (t) => {
  const dir = t.testdir();
  const fs = createFaultyWalFs();
  const wal = await open(t, dir, { fs });
  fs.faults.create = () => ioError('ENOSPC');
  await t.rejects(wal.push(entry('a')), { code: ErrorCode.STORAGE });
  delete fs.faults.create;
  fs.faults.writev = () => 3;
  await t.rejects(wal.push(entry('a')), { code: ErrorCode.STORAGE, message: /short write \(3 of 8 bytes\)/ });
  delete fs.faults.writev;
  fs.faults.syncDir = () => ioError('EIO');
  await t.rejects(wal.push(entry('a')), { code: ErrorCode.STORAGE });
  t.same(readdirSync(dir), []);
  delete fs.faults.syncDir;
  await wal.push(entry('a'));
  t.equal(logs(dir).length, 1);
});

t.test('an entry that cannot be read back is skipped and kept on disk for the next start', async (t) => {
  const dir = t.testdir();
  const fs = createFaultyWalFs();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', fs, logger: silentLogger });
  for (const tag of ['a', 'b']) await wal.push(entry(tag));
  fs.faults.read = () => ioError('EIO');
  t.equal(await wal.take(), undefined);
  t.equal(wal.stats.unreadable, 2);
  t.equal(wal.items, 0);
  await wal.close();
  t.same((await takeAll(await open(t, dir))).tags, ['a', 'b']);
});

t.test('an entry changed on disk after it was written is caught by its CRC at read time', async (t) => {
  const dir = t.testdir();
  const wal = await open(t, dir);
  for (const tag of ['a', 'b', 'c']) await wal.push(entry(tag));
  const file = path.join(dir, logs(dir)[0]);
  const data = readFileSync(file);
  const record = encodeRecord(entry('a')).length;
  data[SEGMENT_MAGIC.length + record + 30] ^= 1;
  writeFileSync(file, data.subarray(0, data.length - 10));
  t.equal((await wal.take())?.entry.headers.tag, 'a');
  t.equal(await wal.take(), undefined, 'b: checksum mismatch; c: short read');
  t.equal(wal.stats.unreadable, 2);
});

t.test('an intact entry that cannot be decoded is dropped, counted and logged', async (t) => {
  const dir = t.testdir();
  const payload = Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const { crc32 } = await import('../../../src/exporter/queue/crc32.js');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length, 0);
  head.writeUInt32BE(crc32(payload), 4);
  writeFileSync(path.join(dir, 'wal-0000000000000001.log'), Buffer.concat([SEGMENT_MAGIC, head, payload]));
  const records = createRecordingLogger();
  const wal = await open(t, dir, { logger: records });
  t.equal(wal.stats.replayed, 1);
  t.equal(await wal.take(), undefined);
  t.equal(wal.stats.undecodable, 1);
  t.match(records.records, [{ level: 'error', msg: /cannot be decoded/ }]);
  t.same(readdirSync(dir), [], 'its segment is gone');
});

t.test('a failure to record a delivery is counted; the entry comes back after a restart', async (t) => {
  const dir = t.testdir();
  const fs = createFaultyWalFs();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', fs, logger: silentLogger });
  for (const tag of ['a', 'b', 'c']) await wal.push(entry(tag));
  const { ids } = await takeAll(wal);
  fs.faults.create = (file) => (file.endsWith('.ack') ? ioError('ENOSPC') : undefined);
  await wal.remove(ids[0]);
  delete fs.faults.create;
  fs.faults.writev = (file) => (file.endsWith('.ack') ? 4 : undefined);
  await wal.remove(ids[1]);
  delete fs.faults.writev;
  await wal.remove(ids[2]);
  t.equal(wal.stats.storageErrors, 2);
  t.equal(wal.items, 0);
  await wal.close();
  t.same((await takeAll(await open(t, dir))).tags, ['a', 'b'], 'delivered again: duplicates, never losses');
});

t.test('a segment that cannot be deleted is counted, and replayed after a restart', async (t) => {
  const dir = t.testdir();
  const fs = createFaultyWalFs();
  const wal = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', segmentBytes: 100, fs, logger: silentLogger });
  for (const tag of ['a', 'b']) await wal.push(entry(tag));
  const { ids } = await takeAll(wal);
  fs.faults.remove = () => ioError('EIO');
  await wal.remove(ids[0]);
  t.equal(wal.stats.storageErrors, 1);
  t.equal(wal.segments, 1);
  await wal.close();
  t.same((await takeAll(await open(t, dir))).tags, ['a', 'b']);
});

t.test('the fsync setting and the segment size are checked', async (t) => {
  const dir = t.testdir();
  for (const fsync of [0, -5, 1.5, NaN]) {
    await t.rejects(openWal({ dir, maxBytes: 1, fsync, logger: silentLogger }), { code: ErrorCode.CONFIG, message: /fsync/ });
  }
  await t.rejects(openWal({ dir, maxBytes: 1, fsync: 'always', segmentBytes: 8, logger: silentLogger }), { code: ErrorCode.CONFIG });
  await t.rejects(openWal({ dir, maxBytes: 1, fsync: 'always', segmentBytes: 2 ** 31, logger: silentLogger }), { code: ErrorCode.CONFIG });
});

t.test('one directory, one queue: a second open in the same process is refused until the first closes', async (t) => {
  const dir = t.testdir();
  const first = await openWal({ dir, maxBytes: 1 << 20, fsync: 'always', logger: silentLogger });
  await t.rejects(openWal({ dir: path.join(dir, '.'), maxBytes: 1, fsync: 'always', logger: silentLogger }), {
    code: ErrorCode.CONFIG,
    message: /already in use/,
  });
  await first.close();
  await open(t, dir);
  const fs = createFaultyWalFs();
  fs.faults.list = () => ioError('EACCES');
  const other = path.join(dir, 'other');
  await t.rejects(openWal({ dir: other, maxBytes: 1, fsync: 'always', fs, logger: silentLogger }), /EACCES/);
  await open(t, other);
  t.pass('a failed open frees the directory');
});

t.test('many entries through one queue keep their order', async (t) => {
  const dir = t.testdir();
  const wal = await open(t, dir, { segmentBytes: 64 * 1024, fsync: 60_000 });
  const tags: string[] = [];
  for (let round = 0; round < 2; round++) {
    await Promise.all(Array.from({ length: 1500 }, (_, i) => wal.push(entry(`${round}-${i}`, 10))));
    const taken = await takeAll(wal);
    tags.push(...taken.tags);
    for (const id of taken.ids) await wal.remove(id);
  }
  t.equal(tags.length, 3000);
  t.same(tags.slice(1499, 1501), ['0-1499', '1-0']);
  t.equal(wal.items, 0);
});

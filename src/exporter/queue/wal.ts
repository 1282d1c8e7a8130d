/**
 * The persistent queue: an append-only log of segment files in one directory (format in
 * wal-record.ts), replayed on open (wal-replay.ts).
 *
 * - Writes are group-committed: requests arriving while a write is under way go out together in
 *   the next writev, followed by one fdatasync when `fsync` is 'always'. A client hears success
 *   only after its record is written (and synced, with 'always').
 * - `fsync: N` (milliseconds) syncs at most every N ms instead. A process crash loses nothing
 *   (the data is in the page cache); a power loss or kernel crash may lose what was acknowledged
 *   in the last N ms. Vector's disk buffer makes the same trade at 500 ms.
 * - Segments are rotated past `segmentBytes`; a segment is deleted once every record in it was
 *   removed. Removals of records in live segments are recorded in the segment's ack file
 *   (not synced: a lost ack means one more delivery after a restart, never a loss).
 * - A failed write (disk full, EIO) is cut back off the segment and refused with a retryable
 *   STORAGE error; if it cannot be cut back, the segment takes no more writes, so no good record
 *   ever follows a torn one. Failures are counted and logged when they start and when they stop.
 * - `maxBytes` bounds the segment files on disk; past it new requests are refused (OVERLOADED,
 *   with a retry delay), never dropped.
 */
import path from 'node:path';
import { ErrorCode, TaggerError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { shutDown } from '../exporter-errors.js';
import { fits, queueFull, storageError, type DeliveryQueue, type QueueBounds, type QueueEntry, type QueueLease } from './delivery-queue.js';
import { nodeWalFs, type WalFile, type WalFs } from './wal-fs.js';
import { ACK_ENTRY_BYTES, SEGMENT_MAGIC, checkRecord, decodeRecord, encodeAck, encodeRecord, type EncodedRecord } from './wal-record.js';
import { replaySegments, segmentPaths } from './wal-replay.js';

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

/**
 * Directories open in this process. Two queues in one directory would corrupt each other; this
 * catches the wiring mistake (one directory per destination). Other processes are not seen:
 * give each process its own directory (a StatefulSet volume per pod).
 */
const openDirs = new Set<string>();

export interface WalOptions extends QueueBounds {
  readonly dir: string;
  /** 'always': fdatasync before acknowledging; N: at most every N ms (see above). */
  readonly fsync: 'always' | number;
  /** Rotation size of segment files; default 8 MiB. */
  readonly segmentBytes?: number;
  readonly logger: Logger;
  /** For tests: file operations that fail on demand. */
  readonly fs?: WalFs;
}

export interface WalStats {
  /** Entries found on disk at open. */
  replayed: number;
  /** Bytes of torn or damaged segment tails cut off at open. */
  truncatedBytes: number;
  /** Failed writes, syncs, reads, ack writes and deletions. */
  storageErrors: number;
  /** Entries that could not be read back; left on disk for the next start. */
  unreadable: number;
  /** Entries read back intact but not decodable; removed, counted and logged. */
  undecodable: number;
}

export interface Wal extends DeliveryQueue {
  readonly stats: Readonly<WalStats>;
  /** Segment files on disk. */
  readonly segments: number;
}

interface Segment {
  readonly path: string;
  readonly ackPath: string;
  readonly file: WalFile;
  /** End of the last record written and kept. */
  size: number;
  /** Records not removed yet. */
  live: number;
  /** Takes no more writes. */
  sealed: boolean;
  ack: WalFile | undefined;
  ackSize: number;
  ackChain: Promise<void>;
}

interface RecordRef {
  readonly id: number;
  readonly segment: Segment;
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
}

interface PendingWrite {
  readonly record: EncodedRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

function validate(options: WalOptions): void {
  const { fsync, segmentBytes } = options;
  if (fsync !== 'always' && !(Number.isInteger(fsync) && fsync > 0)) {
    throw new TaggerError(ErrorCode.CONFIG, `queue fsync: expected "always" or a number of milliseconds > 0, got ${String(fsync)}`);
  }
  if (segmentBytes !== undefined && !(Number.isInteger(segmentBytes) && segmentBytes > SEGMENT_MAGIC.length && segmentBytes <= 2 ** 30)) {
    throw new TaggerError(ErrorCode.CONFIG, `queue segment size: expected 9 bytes to 1 GiB, got ${segmentBytes}`);
  }
}

export async function openWal(options: WalOptions): Promise<Wal> {
  validate(options);
  const dir = path.resolve(options.dir);
  if (openDirs.has(dir)) throw new TaggerError(ErrorCode.CONFIG, `the queue directory ${dir} is already in use by another queue`);
  openDirs.add(dir);
  try {
    return await openIn(dir, options);
  } catch (err) {
    openDirs.delete(dir);
    throw err;
  }
}

async function openIn(dir: string, options: WalOptions): Promise<Wal> {
  const { fsync, logger } = options;
  const fs = options.fs ?? nodeWalFs;
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  await fs.mkdir(dir);
  const replay = await replaySegments(dir, fs, logger);

  const stats: WalStats = { replayed: 0, truncatedBytes: replay.truncatedBytes, storageErrors: 0, unreadable: 0, undecodable: 0 };
  const segments = new Set<Segment>();
  let waiting: RecordRef[] = [];
  let head = 0;
  const taken = new Map<number, RecordRef>();
  let nextId = 1;
  let nextSeq = replay.nextSeq;
  let current: Segment | undefined;
  let diskBytes = 0;
  let pending: PendingWrite[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> | undefined;
  let dirty = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let failing = false;

  for (const replayed of replay.segments) {
    const paths = segmentPaths(dir, replayed.seq);
    const segment: Segment = {
      path: paths.log,
      ackPath: paths.ack,
      file: replayed.file,
      size: replayed.size,
      live: replayed.records.length,
      sealed: true,
      ack: replayed.ack,
      ackSize: replayed.ackSize,
      ackChain: Promise.resolve(),
    };
    segments.add(segment);
    diskBytes += segment.size;
    for (const { offset, length, crc } of replayed.records) waiting.push({ id: nextId++, segment, offset, length, crc });
  }
  stats.replayed = waiting.length;

  const items = (): number => waiting.length - head + taken.size;

  function storageFailure(what: string, err: unknown): void {
    stats.storageErrors++;
    if (failing) return logger.debug('persistent queue I/O failure', { dir, what, error: err });
    failing = true;
    logger.error('persistent queue I/O failure; requests it cannot store are refused as retryable', { dir, what, error: err });
  }

  async function createSegment(): Promise<Segment> {
    const paths = segmentPaths(dir, nextSeq++);
    const file = await fs.create(paths.log);
    try {
      const written = await file.writev([SEGMENT_MAGIC], 0);
      if (written !== SEGMENT_MAGIC.length) throw new Error(`short write (${written} of ${SEGMENT_MAGIC.length} bytes)`);
      if (fsync === 'always') await file.datasync();
      await fs.syncDir(dir);
    } catch (err) {
      await Promise.allSettled([file.close(), fs.remove(paths.log)]);
      throw err;
    }
    const segment: Segment = {
      path: paths.log,
      ackPath: paths.ack,
      file,
      size: SEGMENT_MAGIC.length,
      live: 0,
      sealed: false,
      ack: undefined,
      ackSize: 0,
      ackChain: Promise.resolve(),
    };
    segments.add(segment);
    diskBytes += segment.size;
    return segment;
  }

  async function deleteSegment(segment: Segment): Promise<void> {
    segments.delete(segment);
    diskBytes -= segment.size;
    await segment.ackChain;
    await Promise.allSettled([segment.file.close(), segment.ack?.close()]);
    try {
      // The log first: a crash in between leaves an orphan ack file, which open deletes.
      await fs.remove(segment.path);
      await fs.remove(segment.ackPath);
    } catch (err) {
      storageFailure('delete a delivered segment', err);
    }
  }

  async function seal(segment: Segment): Promise<void> {
    segment.sealed = true;
    if (dirty) {
      dirty = false;
      await segment.file.datasync().catch((err: unknown) => storageFailure('fsync', err));
    }
    if (segment.live === 0) await deleteSegment(segment);
  }

  async function writeBatch(batch: readonly PendingWrite[], batchBytes: number): Promise<void> {
    if (current !== undefined && !current.sealed && current.size > SEGMENT_MAGIC.length && current.size + batchBytes > segmentBytes) {
      await seal(current);
    }
    if (current === undefined || current.sealed) current = await createSegment();
    const segment = current;
    try {
      const written = await segment.file.writev(
        batch.flatMap((p) => p.record.chunks),
        segment.size,
      );
      if (written !== batchBytes) throw new Error(`short write (${written} of ${batchBytes} bytes)`);
      if (fsync === 'always') await segment.file.datasync();
    } catch (err) {
      // Cut the failed write off; if that fails too, never append after it.
      await segment.file.truncate(segment.size).catch(() => void (segment.sealed = true));
      throw err;
    }
    let offset = segment.size;
    for (const { record } of batch) {
      waiting.push({ id: nextId++, segment, offset, length: record.length, crc: record.crc });
      segment.live++;
      offset += record.length;
    }
    diskBytes += offset - segment.size;
    segment.size = offset;
    if (fsync !== 'always') dirty = true;
  }

  async function writeLoop(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const batchBytes = batch.reduce((sum, p) => sum + p.record.length, 0);
      try {
        await writeBatch(batch, batchBytes);
        if (failing) logger.info('persistent queue I/O recovered', { dir, storageErrors: stats.storageErrors });
        failing = false;
        for (const p of batch) p.resolve();
      } catch (err) {
        storageFailure('store requests', err);
        const refusal = storageError('store the request', err, options.retryAfterMillis);
        for (const p of batch) p.reject(refusal);
      } finally {
        pendingBytes -= batchBytes;
      }
    }
  }

  function kick(): void {
    writing ??= writeLoop().finally(() => {
      writing = undefined;
      if (pending.length > 0) kick();
    });
  }

  async function writeAck(segment: Segment, entry: Buffer): Promise<void> {
    try {
      segment.ack ??= await fs.create(segment.ackPath);
      const written = await segment.ack.writev([entry], segment.ackSize);
      if (written !== ACK_ENTRY_BYTES) throw new Error(`short write (${written} of ${ACK_ENTRY_BYTES} bytes)`);
      segment.ackSize += ACK_ENTRY_BYTES;
    } catch (err) {
      // Delivered all the same; without its ack it is delivered once more after a restart.
      storageFailure('record a delivery', err);
    }
  }

  async function remove(id: number): Promise<void> {
    const ref = taken.get(id);
    if (ref === undefined) return;
    taken.delete(id);
    const segment = ref.segment;
    segment.live--;
    if (segment.live === 0 && segment.sealed) return deleteSegment(segment);
    const entry = encodeAck(ref.offset, ref.crc);
    segment.ackChain = segment.ackChain.then(() => writeAck(segment, entry));
    return segment.ackChain;
  }

  async function readEntry(ref: RecordRef): Promise<QueueEntry | undefined> {
    const record = Buffer.allocUnsafe(ref.length);
    try {
      const read = await ref.segment.file.read(record, ref.offset);
      if (read !== ref.length) throw new Error(`short read (${read} of ${ref.length} bytes)`);
      if (checkRecord(record, 0)?.crc !== ref.crc) throw new Error('checksum mismatch');
    } catch (err) {
      // Left on disk, forgotten until the next start, which replays it if the disk serves it then.
      taken.delete(ref.id);
      stats.unreadable++;
      storageFailure('read a request back', err);
      return undefined;
    }
    try {
      return decodeRecord(record);
    } catch (err) {
      stats.undecodable++;
      logger.error('dropping a queued request that cannot be decoded', { file: ref.segment.path, offset: ref.offset, error: err });
      await remove(ref.id);
      return undefined;
    }
  }

  const timer = typeof fsync === 'number' ? setInterval(() => void syncCurrent(), fsync) : undefined;
  timer?.unref();
  async function syncCurrent(): Promise<void> {
    if (!dirty || current === undefined) return;
    dirty = false;
    await current.file.datasync().catch((err: unknown) => storageFailure('fsync', err));
  }

  async function close(): Promise<void> {
    closed = true;
    clearInterval(timer);
    while (writing !== undefined) await writing;
    await syncCurrent();
    for (const segment of segments) {
      await segment.ackChain;
      await Promise.allSettled([segment.file.close(), segment.ack?.close()]);
    }
    openDirs.delete(dir);
  }

  return {
    stats,
    get segments() {
      return segments.size;
    },
    get items() {
      return items();
    },
    get bytes() {
      return diskBytes + pendingBytes;
    },
    get waiting() {
      return waiting.length - head;
    },
    push(entry: QueueEntry): Promise<void> {
      if (closed) return Promise.reject(shutDown());
      const record = encodeRecord(entry);
      const held = items() + pending.length;
      const bytes = diskBytes + pendingBytes;
      if (!fits(options, held, bytes, record.length)) return Promise.reject(queueFull(options, held, bytes));
      pendingBytes += record.length;
      return new Promise<void>((resolve, reject) => {
        pending.push({ record, resolve, reject });
        kick();
      });
    },
    async take(): Promise<QueueLease | undefined> {
      while (head < waiting.length) {
        const ref = waiting[head++];
        if (head >= 1024 && head * 2 >= waiting.length) {
          waiting = waiting.slice(head);
          head = 0;
        }
        taken.set(ref.id, ref);
        const entry = await readEntry(ref);
        if (entry !== undefined) return { id: ref.id, entry };
      }
      return undefined;
    },
    remove,
    close() {
      closing ??= close();
      return closing;
    },
  };
}

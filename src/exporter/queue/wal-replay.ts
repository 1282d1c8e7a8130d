/**
 * Opening a persistent queue directory: every segment is scanned, a torn or damaged tail is cut
 * off (a crash in the middle of a write leaves one), delivered records (per the ack file) are
 * skipped, and segments with nothing left are deleted. What remains is handed back in order,
 * oldest first, to be delivered again: at-least-once, with duplicates bounded by what was in
 * flight when the process stopped.
 */
import path from 'node:path';
import type { Logger } from '../../logger.js';
import type { WalFile, WalFs } from './wal-fs.js';
import { ACK_ENTRY_BYTES, SEGMENT_MAGIC, parseAcks, scanSegment, type ScannedRecord } from './wal-record.js';

const segmentName = /^wal-(\d{16})\.(log|ack)$/;

export function segmentPaths(dir: string, seq: number): { log: string; ack: string } {
  const base = path.join(dir, `wal-${String(seq).padStart(16, '0')}`);
  return { log: `${base}.log`, ack: `${base}.ack` };
}

export interface ReplayedSegment {
  readonly seq: number;
  readonly file: WalFile;
  readonly ack: WalFile | undefined;
  /** End of the last good record. */
  readonly size: number;
  /** Whole entries in the ack file; a torn last entry gets overwritten. */
  readonly ackSize: number;
  /** Records not acknowledged, in order. */
  readonly records: readonly ScannedRecord[];
}

export interface Replay {
  readonly segments: readonly ReplayedSegment[];
  readonly nextSeq: number;
  readonly truncatedBytes: number;
}

export async function replaySegments(dir: string, fs: WalFs, logger: Logger): Promise<Replay> {
  const logs: number[] = [];
  const acks = new Set<number>();
  for (const name of await fs.list(dir)) {
    const match = segmentName.exec(name);
    if (match === null) continue;
    if (match[2] === 'log') logs.push(Number(match[1]));
    else acks.add(Number(match[1]));
  }
  logs.sort((a, b) => a - b);
  for (const seq of acks) {
    // A segment deleted before its ack file (the order deletion uses): nothing to keep.
    if (!logs.includes(seq)) await fs.remove(segmentPaths(dir, seq).ack);
  }

  const segments: ReplayedSegment[] = [];
  let truncatedBytes = 0;
  for (const seq of logs) {
    const paths = segmentPaths(dir, seq);
    const data = await fs.readFile(paths.log);
    const scan = scanSegment(data);
    if (scan === undefined) {
      if (data.length < SEGMENT_MAGIC.length && SEGMENT_MAGIC.subarray(0, data.length).equals(data)) {
        // Created, but the crash came before its magic was written: empty.
        await fs.remove(paths.log);
        await fs.remove(paths.ack);
      } else {
        logger.error('not a queue segment; left alone and not replayed', { file: paths.log });
      }
      continue;
    }
    let file: WalFile | undefined;
    if (scan.validEnd < data.length) {
      const cut = data.length - scan.validEnd;
      logger.warn('torn or damaged tail of a queue segment cut off', { file: paths.log, offset: scan.validEnd, bytes: cut });
      file = await fs.open(paths.log);
      await file.truncate(scan.validEnd);
      truncatedBytes += cut;
    }
    const ackData = acks.has(seq) ? await fs.readFile(paths.ack) : Buffer.alloc(0);
    const acked = parseAcks(ackData);
    const records = scan.records.filter((record) => acked.get(record.offset) !== record.crc);
    if (records.length === 0) {
      await file?.close();
      await fs.remove(paths.log);
      await fs.remove(paths.ack);
      continue;
    }
    segments.push({
      seq,
      file: file ?? (await fs.open(paths.log)),
      ack: acks.has(seq) ? await fs.open(paths.ack) : undefined,
      size: scan.validEnd,
      ackSize: ackData.length - (ackData.length % ACK_ENTRY_BYTES),
      records,
    });
  }
  return { segments, nextSeq: (logs.at(-1) ?? 0) + 1, truncatedBytes };
}

/**
 * The real file operations with failures injected on demand, to see what the persistent queue
 * does on a full disk or an I/O error without needing either. A fault returns an Error to throw,
 * or, for writev, a byte count: only that many bytes are really written (a write torn by ENOSPC).
 */
import path from 'node:path';
import { nodeWalFs, type WalFile, type WalFs } from '../../../src/exporter/queue/wal-fs.js';

export type FileOp = 'writev' | 'read' | 'datasync' | 'truncate' | 'close';
export type FsOp = 'mkdir' | 'list' | 'readFile' | 'create' | 'open' | 'remove' | 'syncDir';
export type Fault = (file: string) => Error | number | undefined;

export interface FaultyWalFs extends WalFs {
  readonly faults: Partial<Record<FileOp | FsOp, Fault>>;
  /** Calls per operation, by file name (base name). */
  readonly calls: Record<string, number>;
  count(op: FileOp | FsOp, suffix?: string): number;
}

export function ioError(code: 'ENOSPC' | 'EIO' | 'EACCES'): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

export function createFaultyWalFs(): FaultyWalFs {
  const faults: FaultyWalFs['faults'] = {};
  const calls: Record<string, number> = {};
  const hit = (op: FileOp | FsOp, file: string): Error | number | undefined => {
    const key = `${op} ${path.basename(file)}`;
    calls[key] = (calls[key] ?? 0) + 1;
    return faults[op]?.(file);
  };
  const fail = (op: FileOp | FsOp, file: string): void => {
    const fault = hit(op, file);
    if (fault instanceof Error) throw fault;
  };
  const wrap = (file: string, inner: WalFile): WalFile => ({
    async writev(chunks, position) {
      const fault = hit('writev', file);
      if (fault instanceof Error) throw fault;
      if (typeof fault === 'number') return inner.writev([Buffer.concat(chunks).subarray(0, fault)], position);
      return inner.writev(chunks, position);
    },
    read: async (buffer, position) => (fail('read', file), inner.read(buffer, position)),
    datasync: async () => (fail('datasync', file), inner.datasync()),
    truncate: async (length) => (fail('truncate', file), inner.truncate(length)),
    close: async () => (fail('close', file), inner.close()),
  });
  return {
    faults,
    calls,
    count: (op, suffix = '') =>
      Object.entries(calls)
        .filter(([key]) => key.startsWith(`${op} `) && key.endsWith(suffix))
        .reduce((sum, [, n]) => sum + n, 0),
    mkdir: async (dir) => (fail('mkdir', dir), nodeWalFs.mkdir(dir)),
    list: async (dir) => (fail('list', dir), nodeWalFs.list(dir)),
    readFile: async (file) => (fail('readFile', file), nodeWalFs.readFile(file)),
    create: async (file) => (fail('create', file), wrap(file, await nodeWalFs.create(file))),
    open: async (file) => (fail('open', file), wrap(file, await nodeWalFs.open(file))),
    remove: async (file) => (fail('remove', file), nodeWalFs.remove(file)),
    syncDir: async (dir) => (fail('syncDir', dir), nodeWalFs.syncDir(dir)),
  };
}

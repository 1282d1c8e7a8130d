/**
 * The file operations the persistent queue uses, as an interface so that tests can inject
 * failures (ENOSPC, EIO) without a full disk. `nodeWalFs` is the real thing.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';

export interface WalFile {
  /** Resolves with the bytes written, which may be fewer than asked on a full disk. */
  writev(chunks: readonly Buffer[], position: number): Promise<number>;
  read(buffer: Buffer, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface WalFs {
  /** Creates the directory (and parents) if missing, owner-only: it holds forwarded headers. */
  mkdir(dir: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** A new file; fails if it exists. */
  create(path: string): Promise<WalFile>;
  /** An existing file, for reading and writing. */
  open(path: string): Promise<WalFile>;
  remove(path: string): Promise<void>;
  /** fsync of the directory, so that created and removed names survive a power loss. */
  syncDir(dir: string): Promise<void>;
}

function wrap(handle: fs.FileHandle): WalFile {
  return {
    writev: async (chunks, position) => (await handle.writev(chunks as Buffer[], position)).bytesWritten,
    read: async (buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    datasync: () => handle.datasync(),
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
  };
}

export const nodeWalFs: WalFs = {
  mkdir: async (dir) => void (await fs.mkdir(dir, { recursive: true, mode: 0o700 })),
  list: (dir) => fs.readdir(dir),
  readFile: (path) => fs.readFile(path),
  create: async (path) => wrap(await fs.open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600)),
  open: async (path) => wrap(await fs.open(path, 'r+')),
  remove: (path) => fs.rm(path, { force: true }),
  async syncDir(dir) {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

// The module object the WAL flush (src/storage/wal-sync.ts) calls into: a namespace import's
// properties cannot be replaced.
const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
type Done = (error: NodeJS.ErrnoException | null) => void;

export interface HeldFlush {
  /** The inode of the file being flushed. */
  readonly ino: number;
  /** Lets the flush run (or fails it with `error`). */
  release(error?: NodeJS.ErrnoException): void;
}

/** Holds every async `fdatasync` of this process until released, in order; `restore` puts the real one back. */
export function holdFlushes(): { readonly held: HeldFlush[]; restore(): void } {
  const real = fs.fdatasync;
  const held: HeldFlush[] = [];
  const spy = jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: Done) => {
    held.push({ ino: fs.fstatSync(fd).ino, release: (error) => (error ? done(error) : real(fd, done)) });
  }) as typeof fs.fdatasync);
  return { held, restore: () => spy.mockRestore() };
}

/** An fdatasync failure as the kernel reports one. */
export const flushError = (): NodeJS.ErrnoException => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });

import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Where the entry point's log lines go: a file descriptor written synchronously, that never throws
 * and never waits long. A line the descriptor refuses (ENOSPC on a full disk, EPIPE, EIO, or EAGAIN for
 * longer than `busyMs`) is dropped and counted; the first drop of a run of failures is reported once
 * on `noticeFd` (stderr), and the count when lines get through again. Logging can fail; callbacks go on.
 */
export function safeLogDestination(fd: number, options: { noticeFd?: number; busyMs?: number } = {}) {
  const busyMs = options.busyMs ?? 200;
  let dropped = 0;
  let failingSince: number | undefined;

  function writeAll(text: string): void {
    let buffer = Buffer.from(text);
    let waited = 0;
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(fd, buffer));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= busyMs) throw error;
        Atomics.wait(pause, 0, 0, 5);
        waited += 5;
      }
    }
  }

  function notice(text: string): void {
    if (options.noticeFd === undefined || options.noticeFd === fd) return;
    try {
      writeSync(options.noticeFd, `${text}\n`);
    } catch {
      // Nowhere left to say it.
    }
  }

  return {
    write(line: string): void {
      try {
        writeAll(line);
      } catch (error) {
        dropped += 1;
        if (failingSince === undefined) {
          failingSince = Date.now();
          notice(`log output failed (${(error as NodeJS.ErrnoException).code ?? String(error)}): dropping log lines until it works again; callbacks go on`);
        }
        return;
      }
      if (failingSince !== undefined) {
        failingSince = undefined;
        notice(`log output works again; ${dropped} log lines were dropped`);
      }
    },
    /** Log lines dropped so far. */
    get dropped(): number {
      return dropped;
    },
  };
}

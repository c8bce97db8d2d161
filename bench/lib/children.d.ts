import type { ChildProcess } from 'node:child_process';

/** A free port below the kernel's ephemeral range (for servers that cannot choose their own). */
export function freePort(): Promise<number>;
export function portOpen(port: number): Promise<boolean>;

export interface Daemon {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string | null>;
  output(): string;
  /** The child's name, pid, how it ended and what it wrote. */
  describe(): string;
}
export function daemon(command: string, args: string[], name?: string, logFile?: string): Daemon;
/** Stops `child` (SIGTERM) when this process exits or is stopped by SIGINT, SIGTERM or SIGHUP first. */
export function stopWithThisProcess(child: ChildProcess): void;
export function stopChild(proc: Daemon | undefined, signal?: NodeJS.Signals): Promise<void>;
export function assertRunning(proc: Daemon, name?: string): void;
export function until(check: () => unknown, timeoutMs: number, what: string | (() => string)): Promise<void>;
export function untilStarted(proc: Daemon, check: () => unknown, timeoutMs: number, what: string): Promise<void>;

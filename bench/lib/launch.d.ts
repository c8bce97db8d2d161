import type { ChildProcess } from 'node:child_process';

export interface Launched {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote to stdout and stderr so far (the last 4 KiB when keepOutput is false). */
  output(): string;
  /** Resolves with the exit code, or the signal name when killed by one. */
  exited(): Promise<number | string | null>;
  /** Sends `signal` (SIGTERM by default) unless it already exited; resolves when it has. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

export interface LaunchOptions {
  /** CPU list for taskset ('1', '0-1'); ignored where taskset is unavailable. */
  cpus?: string;
  nodeArgs?: string[];
  cwd?: string;
  /** Keep the whole output (default) or only its last 4 KiB (long benchmark runs). */
  keepOutput?: boolean;
  /** How long it may take to listen before it is killed and the launch rejects (default 30 s). */
  timeoutMs?: number;
}

export const gatewayMain: string;
/** The Node flags `npm start` runs the gateway with. */
export const gatewayNodeArgs: string[];
export const root: string;
export function canPin(): boolean;
export function launch(script: string, env?: Record<string, string>, options?: LaunchOptions): Promise<Launched>;
export function processUsage(pid: number): { rssMiB: number; peakMiB: number; cpuMs: number };

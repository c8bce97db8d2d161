import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * V8's collector on one thread: scavenges and marking on the main thread instead of on helper threads.
 * With one CPU (a pod limited to a core, a process pinned to one) the helpers only take turns with the
 * event loop on that CPU, and each scavenge waits for them to be scheduled. Measured with the gateway
 * pinned to one core (`node bench/compare.mjs`, Node 24.21): p99 at 1,900 callbacks/s 17.9 ms against
 * 37.5 ms, 4 % more callbacks per second at saturation and p99 there 15.5 against 29 ms; with two cores
 * the helpers pay for themselves and the flag is not wanted (README, Performance).
 */
export const singleThreadedGcFlag = '--single-threaded-gc';

/** Whether the command line already says how the collector runs (`--single-threaded-gc` or its `--no-` form). */
export function gcThreadsGiven(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /^--(no-)?single[-_]threaded[-_]gc$/.test(arg));
}

/**
 * The CPU time the process's cgroup may use, in CPUs (`1.5` for a quota of 150 ms per 100 ms), or
 * undefined without a limit. cgroup v2 (`cpu.max`, "max 100000" or "150000 100000") first, then v1
 * (`cpu.cfs_quota_us`, -1 without a limit, and `cpu.cfs_period_us`). `read` returns a file's text or
 * undefined when it cannot be read.
 */
export function cgroupCpuLimit(read: (path: string) => string | undefined = readText): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 !== undefined) return v2[0] === 'max' ? undefined : ratio(v2[0], v2[1]);
  return ratio(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
}

/** The CPUs this process can use: those it may run on (its affinity), capped by its cgroup's CPU limit, at least 1. */
export function usableCpus(cpus = availableParallelism(), limit = cgroupCpuLimit()): number {
  return Math.max(1, Math.min(cpus, limit === undefined ? Infinity : Math.ceil(limit)));
}

/** The flag to restart with: `--single-threaded-gc` on one CPU unless the command line chose; else undefined. */
export function gcFlagFor(execArgv: readonly string[], cpus: number): string | undefined {
  return cpus <= 1 && !gcThreadsGiven(execArgv) ? singleThreadedGcFlag : undefined;
}

/**
 * V8 reads the flag only when it starts, so the gateway adds it by replacing itself (`execve`: the same
 * process id, the same signals, file descriptors and environment) with the same command plus the flag.
 * Does nothing on more than one CPU, when the command line chose already, or where `process.execve` is
 * missing (Windows) or refused (the permission model): the gateway then runs as started.
 */
export function restartWithGcFlag(proc: Pick<NodeJS.Process, 'execArgv' | 'argv' | 'execPath' | 'env' | 'execve'> = process, cpus = usableCpus): void {
  if (typeof proc.execve !== 'function') return;
  const flag = gcFlagFor(proc.execArgv, cpus());
  if (flag === undefined) return;
  try {
    proc.execve(proc.execPath, [proc.execPath, ...proc.execArgv, flag, ...proc.argv.slice(1)], proc.env);
  } catch {
    // Refused: run on as started.
  }
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

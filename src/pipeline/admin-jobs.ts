/** A bulk operator change running in bounded chunks: what the API returns and a client polls. */
export interface Job {
  readonly id: string;
  readonly action: string;
  readonly actor: string;
  readonly startedAt: number;
  /** How many entries it expects to change (counted before it started). */
  readonly total: number;
  state: 'running' | 'done' | 'failed';
  /** How many it has changed so far. */
  done: number;
  finishedAt?: number;
  result?: Record<string, unknown>;
  error?: string;
}

/**
 * The jobs of one process (in memory: a restart forgets them; what they changed is in the spool and
 * the audit trail). Keeps the newest `keep` finished jobs. Ids carry the process's instance name, so a
 * client talking to several pods can tell whose job it is.
 */
export function createJobs(options: { instance: string; clock: () => number; keep?: number }) {
  const jobs = new Map<string, Job>();
  const keep = options.keep ?? 100;
  const running = new Set<Promise<void>>();
  let next = 0;
  let stopping = false;

  function forgetOld(): void {
    const finished = [...jobs.values()].filter((job) => job.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - keep))) jobs.delete(job.id);
  }

  return {
    /**
     * Starts `work` (which reports progress through its argument) and returns the job at once; the
     * promise `settled` resolves when it has finished either way.
     */
    start(action: string, actor: string, total: number, work: (progress: (done: number) => void) => Promise<Record<string, unknown>>) {
      next += 1;
      const job: Job = { id: `${options.instance}-${next}`, action, actor, startedAt: options.clock(), total, state: 'running', done: 0 };
      jobs.set(job.id, job);
      const progress = (done: number): void => {
        job.done = done;
        // Thrown between two chunks: what was committed stays, the rest is left for another run.
        if (stopping) throw new Error(`stopped at shutdown after ${done} of ${total}`);
      };
      const settled = work(progress).then(
        (result) => Object.assign(job, { state: 'done', result, finishedAt: options.clock() }),
        (error: unknown) => Object.assign(job, { state: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: options.clock() }),
      ).then(forgetOld);
      running.add(settled);
      void settled.finally(() => running.delete(settled));
      return { job, settled };
    },
    get(id: string): Job | undefined {
      return jobs.get(id);
    },
    /** Newest first. */
    list(): Job[] {
      return [...jobs.values()].reverse();
    },
    /** Stops every running job after its current chunk and resolves when none runs (a graceful stop). */
    async stop(): Promise<void> {
      stopping = true;
      await Promise.all(running);
    },
  };
}

export type Jobs = ReturnType<typeof createJobs>;

import type { Database } from 'better-sqlite3';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs writes that are submitted close together (in the same turn of the event loop) in one SQLite
 * transaction, so that with `synchronous=FULL` they share one fsync. Each write runs in its own
 * savepoint: one that throws is rolled back and rejected alone. A promise resolves only after the
 * transaction holding its write has committed; if the commit fails, every write in it is rejected.
 */
export function createGroupCommitter(db: Database, onCommit: (ok: boolean, error?: unknown) => void = () => {}) {
  let queue: Pending[] = [];
  let scheduled = false;

  const savepoint = db.prepare('SAVEPOINT group_write');
  const release = db.prepare('RELEASE group_write');
  const rollback = db.prepare('ROLLBACK TO group_write');
  const runBatch = db.transaction((batch: Pending[]) =>
    batch.map((item) => {
      savepoint.run();
      try {
        const value = item.work();
        release.run();
        return { ok: true as const, value };
      } catch (error) {
        rollback.run();
        release.run();
        return { ok: false as const, error };
      }
    }),
  );

  function flush(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let results: ReturnType<typeof runBatch>;
    try {
      results = runBatch(batch);
    } catch (error) {
      onCommit(false, error);
      for (const item of batch) item.reject(error);
      return;
    }
    onCommit(true);
    results.forEach((result, i) => {
      const item = batch[i] as Pending;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }

  return {
    /** Queues `work` (synchronous better-sqlite3 calls) for the next group commit. */
    submit<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** Commits whatever is queued now (used at shutdown). */
    flush,
    get queued(): number {
      return queue.length;
    },
  };
}

export type GroupCommitter = ReturnType<typeof createGroupCommitter>;

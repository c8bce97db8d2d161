import type { Database } from './sqlite';
import type { GroupCommitter } from './group-commit';

/**
 * What of a request head is kept with a quarantined body (the shape of the vendor contract's
 * `StoredHead`; the pipeline does not import vendor modules): the query string without `?` and the
 * vendor's headers, secrets already redacted.
 */
export interface QuarantinedHead {
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An authenticated request that could not become an event, kept raw for re-driving after a fix. */
export interface QuarantineEntry {
  readonly receivedAt: number;
  readonly vendor: string;
  readonly command: string | undefined;
  readonly reason: string;
  readonly detail: string;
  readonly head: QuarantinedHead;
  readonly body: Buffer;
}

/** How the quarantine is kept apart from the bounds: its own byte cap (oldest dropped first) and retention. */
export interface QuarantineLimits {
  /** Most bytes of quarantined bodies; the oldest entries go first. 0 = no limit. */
  readonly maxBytes: number;
}

/** A quarantined request removed by the quarantine's byte cap: whose it was and why it was quarantined. */
export interface QuarantineDropped {
  readonly vendor: string;
  readonly reason: string;
}

/** The quarantine table: stores, caps (oldest first) and prunes raw requests, through the committer. */
export function createQuarantine(db: Database, committer: GroupCommitter, options: { limits?: QuarantineLimits; onDropped?: (dropped: readonly QuarantineDropped[]) => void }) {
  const insert = db.prepare('INSERT INTO quarantine (received_at, vendor, command, reason, detail, head, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const size = db.prepare('SELECT entries, bytes FROM quarantine_size');
  const dropOldest = db.prepare('DELETE FROM quarantine WHERE qid IN (SELECT qid FROM quarantine ORDER BY qid LIMIT 1) RETURNING vendor, reason');
  const prune = db.prepare('DELETE FROM quarantine WHERE received_at < ?');
  const maxBytes = options.limits?.maxBytes ?? 0;
  let droppedTotal = 0;

  return {
    /** Stores a request that could not become an event. Resolves with its quarantine id. */
    async quarantine(entry: QuarantineEntry): Promise<number> {
      const dropped: QuarantineDropped[] = [];
      const stored = await committer.submit(() => {
        dropped.length = 0;
        const qid = Number(insert.run(entry.receivedAt, entry.vendor, entry.command ?? null, entry.reason, entry.detail, JSON.stringify(entry.head), entry.body).lastInsertRowid);
        // The quarantine has its own cap: the oldest entries make room (the newest is always kept).
        if (maxBytes > 0) {
          for (let now = size.get() as { entries: number; bytes: number }; now.bytes > maxBytes && now.entries > 1; now = size.get() as { entries: number; bytes: number }) {
            dropped.push(...(dropOldest.all() as unknown as QuarantineDropped[]));
          }
        }
        return qid;
      });
      droppedTotal += dropped.length;
      if (dropped.length > 0) options.onDropped?.(dropped);
      return stored;
    },
    /** Removes quarantined requests received before `before`; returns how many. */
    pruneQuarantine(before: number): Promise<number> {
      return committer.submit(() => prune.run(before).changes as number);
    },
    /** Quarantined requests dropped so far by the byte cap (oldest first). */
    get quarantineDropped(): number {
      return droppedTotal;
    },
    quarantineSize(): { entries: number; bytes: number } {
      return size.get() as { entries: number; bytes: number };
    },
  };
}

import { type Database, pragma, transaction } from './sqlite';

/** A conversation the gateway saw a message in (for history APIs read per conversation). */
export interface SeenConversation {
  readonly vendor: string;
  readonly app: string;
  /** `user`: one-to-one (`a` and `b` are the two accounts, a < b); `group`: a group/team (`a` its id); `room`: a chat room. */
  readonly kind: 'user' | 'group' | 'room';
  readonly a: string;
  readonly b?: string | undefined;
  readonly lastAt: number;
}

/**
 * Schema 7 to 8: the conversations the gateway has seen a message in, per vendor and app, with the
 * time of the last one. History APIs read per conversation (Tencent one-to-one roaming history) need
 * them to know what to read back after an outage. `b` is '' for a group or room (part of the key).
 */
const conversationsTable = `
  CREATE TABLE IF NOT EXISTS conversations (
    vendor  TEXT    NOT NULL,
    app     TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    a       TEXT    NOT NULL,
    b       TEXT    NOT NULL DEFAULT '',
    last_at INTEGER NOT NULL,
    PRIMARY KEY (vendor, app, kind, a, b)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS conversations_last_at ON conversations (last_at);`;

export function toConversations(db: Database, version: number): void {
  transaction(db, () => {
    db.exec(conversationsTable);
    pragma(db, `user_version = ${version}`);
  }, 'immediate')();
}

/** Where a page of conversations ends: the primary key after `vendor` (`b` is '' for a group or room). */
export interface ConversationKey {
  readonly app: string;
  readonly kind: string;
  readonly a: string;
  readonly b: string;
}

type Row = { vendor: string; app: string; kind: SeenConversation['kind']; a: string; b: string; last_at: number };
/** The key of a conversation, for paging. */
export const keyOf = (c: SeenConversation): ConversationKey => ({ app: c.app, kind: c.kind, a: c.a, b: c.b ?? '' });
const seenOf = (r: Row): SeenConversation => ({ vendor: r.vendor, app: r.app, kind: r.kind, a: r.a, ...(r.b === '' ? {} : { b: r.b }), lastAt: r.last_at });

/** Statements on the conversations table; callers write inside the group committer's transaction. */
export function conversationStatements(db: Database) {
  const upsert = db.prepare(`INSERT INTO conversations (vendor, app, kind, a, b, last_at) VALUES (@vendor, @app, @kind, @a, @b, @lastAt)
    ON CONFLICT (vendor, app, kind, a, b) DO UPDATE SET last_at = max(last_at, excluded.last_at)`);
  const remove = db.prepare('DELETE FROM conversations WHERE last_at < ?');
  // Keyset paging on the primary key: each page is a range scan from the previous page's last key.
  const firstPage = db.prepare('SELECT * FROM conversations WHERE vendor = @vendor AND last_at >= @since ORDER BY app, kind, a, b LIMIT @limit');
  const nextPage = db.prepare(`SELECT * FROM conversations WHERE vendor = @vendor AND (app, kind, a, b) > (@app, @kind, @a, @b) AND last_at >= @since
    ORDER BY app, kind, a, b LIMIT @limit`);
  const count = db.prepare('SELECT count(*) AS n FROM conversations WHERE vendor = @vendor AND last_at >= @since AND (@app IS NULL OR app = @app)');
  const apps = db.prepare('SELECT DISTINCT app FROM conversations WHERE vendor = ? AND last_at >= ? ORDER BY app');
  return {
    /** Notes each conversation's last time (never moves a time back). */
    write(seen: readonly SeenConversation[]): void {
      for (const c of seen) upsert.run({ vendor: c.vendor, app: c.app, kind: c.kind, a: c.a, b: c.b ?? '', lastAt: c.lastAt });
    },
    /** Forgets the conversations not seen since `before`; returns how many. */
    prune(before: number): number {
      return remove.run(before).changes as number;
    },
    /**
     * One vendor's conversations seen at or after `since`, at most `limit`, in primary-key order after
     * the key `after` (from the start without it): the next page starts after the last one's key.
     */
    page(vendor: string, since: number, after: ConversationKey | undefined, limit: number): SeenConversation[] {
      const rows = after === undefined ? firstPage.all({ vendor, since, limit }) : nextPage.all({ vendor, since, limit, ...after });
      return (rows as Row[]).map(seenOf);
    },
    /** How many conversations of one vendor (of one app, when given) were seen at or after `since`. */
    count(vendor: string, since: number, app?: string): number {
      return (count.get({ vendor, since, app: app ?? null }) as { n: number }).n;
    },
    /** The apps one vendor's conversations seen at or after `since` belong to. */
    apps(vendor: string, since: number): string[] {
      return (apps.all(vendor, since) as { app: string }[]).map((r) => r.app);
    },
  };
}

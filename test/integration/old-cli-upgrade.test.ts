import { createHash } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSpool } from '../../src/pipeline/spool';
import { spoolSchemaVersion } from '../../src/pipeline/spool/schema';
import type { RunningService } from '../../src/service';
import { readJsonl } from '../helpers/process';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

// test/fixtures/spool/schema-3-old-cli.db (scripts/make-old-cli-spool-fixture.mjs): a schema-3 spool
// of the release before the admin API, then changed by that release's CLI, which wrote SQL into it:
// `dlq redrive --sink a` (6, 7), `pending drop --sink gone`, `pending move --sink old --to b` (5-8),
// `quarantine redrive` (one request became event 9, one stayed), `replay` of 2 and 3 to a.
const fixture = join(__dirname, '../fixtures/spool/schema-3-old-cli.db');
const OPERATOR = 'operator-token-fedcba9876543210fedcba9876543210';
const env = { ADMIN_TOKENS: `bob:operator:sha256:${createHash('sha256').update(OPERATOR).digest('hex')}` };

describe('upgrade of a spool the old CLI changed', () => {
  let dataDir: string;
  let service: RunningService | undefined;
  beforeEach(() => {
    dataDir = tempDataDir();
    copyFileSync(fixture, join(dataDir, 'spool.db'));
  });
  afterEach(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sinks = () => ({ sinks: ['a', 'b'].map((name) => ({ type: 'file', name, path: join(dataDir, `${name}.jsonl`) })) });
  const ids = (sink: string) => readJsonl(join(dataDir, `${sink}.jsonl`)).map((event) => event['id'] as string);
  async function api(path: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${(service as RunningService).adminUrl}${path}`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    return (await res.json()) as Record<string, unknown>;
  }

  test('When the current gateway opens it, then the state is what the old CLI left, and each sink gets what it waits for exactly once', async () => {
    const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: ['a', 'b'] });
    const migrated = {
      version: spool.pragma('user_version'),
      pending: spool.admin.pendingCounts(),
      retries: spool.admin.exceptions('retry').map((row) => `${row.sink}${row.seq}`).sort(),
      dead: spool.deadLetterCounts(),
      quarantine: spool.admin.quarantineRows().map((row) => ({ qid: row.qid, reason: row.reason, body: JSON.parse(row.body.toString()).MsgKey as string })),
      log: spool.admin.events().map((row) => row.id),
    };
    spool.close();
    const redriven = migrated.log[8] as string;
    service = await startTestService(dataDir, sinks(), undefined, env);
    await until(async () => ((await api('/stats'))['sinks'] as { pending: number }[]).every((sink) => sink.pending === 0), { what: 'every sink caught up' });

    expect(migrated.version).toBe(spoolSchemaVersion);
    expect(migrated.pending).toEqual([{ sink: 'a', pending: 6 }, { sink: 'b', pending: 5 }]);
    expect(migrated.retries).toEqual(['a2', 'a3', 'a6', 'a7', 'b5', 'b6', 'b7', 'b8']);
    expect(migrated.dead).toEqual([]);
    expect(migrated.quarantine).toEqual([{ qid: 2, reason: 'invalid_payload', body: 'old-cli-invalid' }]);
    expect(migrated.log.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `old-cli-${n}`));
    expect(ids('a').sort()).toEqual(['old-cli-2', 'old-cli-3', 'old-cli-6', 'old-cli-7', 'old-cli-8', redriven].sort());
    expect(ids('b').sort()).toEqual(['old-cli-5', 'old-cli-6', 'old-cli-7', 'old-cli-8', redriven].sort());
    expect((await api('/pending'))['items']).toEqual([]);
    expect((await api('/quarantine'))['items']).toEqual([expect.objectContaining({ qid: 2, reason: 'invalid_payload' })]);
  }, 60_000);
});

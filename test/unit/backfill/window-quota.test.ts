import pino from 'pino';
import type { Sleep } from '../../../src/backfill/quota';
import { backfillQuotas } from '../../../src/parts/backfill-quotas';
import { createStops } from '../../../src/parts/stops';
import { nextTurn } from '../../helpers/wait';

/**
 * Virtual time for callers that take from one quota at once, as a backfill's calls in flight do. It
 * stands still while any caller works; when all of them sleep it jumps to the earliest wake-up, and
 * every `stallEvery`-th jump it lands `stallMs` late, as a busy event loop fires its timers late, so
 * the callers whose timers came due meanwhile all wake together.
 */
function stallingTime(start: number, stallEvery: number, stallMs: number) {
  const time = { now: start, jumps: 0 };
  const sleepers: { at: number; wake: () => void }[] = [];
  const sleep: Sleep = (ms) => new Promise<void>((wake) => void sleepers.push({ at: time.now + ms, wake }));
  async function run(callers: Promise<void>[]): Promise<void> {
    let finished = 0;
    const all = Promise.all(callers.map((caller) => caller.finally(() => (finished += 1))));
    const wakeEarliest = () => {
      if (sleepers.length === 0 || sleepers.length < callers.length - finished) return;
      time.jumps += 1;
      const late = time.jumps % stallEvery === 0 ? stallMs : 0;
      time.now = Math.max(time.now, Math.min(...sleepers.map((s) => s.at)) + late);
      for (const sleeper of sleepers.filter((s) => s.at <= time.now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
    };
    // One turn of the event loop lets every woken caller run until it sleeps again (its work is promises).
    const deadline = Date.now() + 60_000;
    while (finished < callers.length) {
      if (Date.now() > deadline) throw new Error('the callers did not make their calls in 60 s');
      await nextTurn();
      wakeEarliest();
    }
    await all;
  }
  return { clock: () => time.now, sleep, run };
}

/** Takes `count` calls from `quotaOf`'s quota with `callers` callers at once (a backfill's calls in flight) and returns when each went. */
async function callTimes(time: ReturnType<typeof stallingTime>, perSecond: number, count: number, callers: number): Promise<number[]> {
  const stops = createStops();
  const quotas = backfillQuotas({ redisUrl: undefined, podShare: 1 }, { logger: pino({ level: 'silent' }), clock: time.clock, stops, pacing: { clock: time.clock, sleep: time.sleep } });
  const quota = quotas({ vendor: 'tencent', app: '1400000001', api: 'tencent/group_msg_get_simple' }, { perSecond });
  const sent: number[] = [];
  const caller = async () => {
    while (sent.length < count) {
      await quota.take();
      sent.push(time.clock());
    }
  };
  await time.run(Array.from({ length: callers }, caller));
  await stops.run();
  return sent;
}

/** The most calls in one second of the clock, a call counted in every second it may arrive in (from when it went to `transitMs` later). */
function busiestSecond(sent: readonly number[], transitMs = 0): number {
  const perSecond = new Map<number, number>();
  for (const at of sent) for (const second of new Set([Math.floor(at / 1000), Math.floor((at + transitMs) / 1000)])) perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  return Math.max(...perSecond.values());
}

describe('backfill history quota without Redis', () => {
  test('When a busy event loop lets calls that came due go together, then no second of the clock gets more than the limit, even for calls that arrive up to 50 ms after they went', async () => {
    // Every 40th wake-up comes 100 ms late: the 16 callers' timers, reserved 5 ms apart, all come due.
    const sent = await callTimes(stallingTime(1_800_000_000_000, 40, 100), 200, 2_000, 16);

    expect(busiestSecond(sent)).toBeLessThanOrEqual(200);
    expect(busiestSecond(sent, 50)).toBeLessThanOrEqual(200);
    // …and the limit is used: 2,000 calls in at most 10 % over the 10 s it allows.
    expect(Math.max(...sent) - Math.min(...sent)).toBeLessThanOrEqual(11_000);
  });

  test('When the rate is one call a second, then a call at the end of a second does not cost the next one a second', async () => {
    const sent = await callTimes(stallingTime(1_800_000_000_000 + 960, 1_000_000, 0), 1, 20, 1);

    expect(busiestSecond(sent, 50)).toBeLessThanOrEqual(1);
    // 20 calls at one a second: the 19 s between the first and the last, and a little for the edges.
    expect(Math.max(...sent) - Math.min(...sent)).toBeLessThanOrEqual(21_000);
  });
});

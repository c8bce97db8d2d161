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

describe('backfill history quota without Redis', () => {
  test('When a busy event loop lets calls that came due go together, then no second of the clock gets more than the limit, even for calls that arrive up to 50 ms after they were counted', async () => {
    const time = stallingTime(1_800_000_000_000, 7, 60);
    const stops = createStops();
    const quotas = backfillQuotas({ redisUrl: undefined, podShare: 1 }, { logger: pino({ level: 'silent' }), clock: time.clock, stops, pacing: { clock: time.clock, sleep: time.sleep } });
    const quota = quotas({ vendor: 'tencent', app: '1400000001', api: 'tencent/group_msg_get_simple' }, { perSecond: 200 });
    const sent: number[] = [];
    const caller = async () => {
      while (sent.length < 2_000) {
        await quota.take();
        sent.push(time.clock());
      }
    };

    await time.run(Array.from({ length: 16 }, caller));
    await stops.run();

    // The vendor counts a call in the second it arrives: anywhere from when it was counted to 50 ms later.
    const mayArriveIn = new Map<number, number>();
    for (const at of sent) for (const second of new Set([Math.floor(at / 1000), Math.floor((at + 50) / 1000)])) mayArriveIn.set(second, (mayArriveIn.get(second) ?? 0) + 1);
    expect(Math.max(...mayArriveIn.values())).toBeLessThanOrEqual(200);
    // …and the limit is used: 2,000 calls in at most 10 % over the 10 s it allows.
    expect(Math.max(...sent) - Math.min(...sent)).toBeLessThanOrEqual(11_000);
  });
});

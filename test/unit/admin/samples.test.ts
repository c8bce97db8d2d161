import { Counter, Gauge, Registry } from 'prom-client';
import { createSampler, registryReading, type Reading } from '../../../src/admin/samples';

const reading = (totals: Record<string, number>, levels: Record<string, number> = {}): Reading => ({ totals: new Map(Object.entries(totals)), levels: new Map(Object.entries(levels)) });

describe('createSampler', () => {
  test('When totals grow between ticks, then each sample holds the change per second and the levels as read', async () => {
    const clock = { now: 1_000_000 };
    let current = reading({ 'callbacks|tencent|accepted': 10 }, { 'pending|web': 3 });
    const sampler = createSampler({ read: () => current, clock: () => clock.now });

    await sampler.tick();
    clock.now += 2000;
    current = reading({ 'callbacks|tencent|accepted': 30 }, { 'pending|web': 7 });
    await sampler.tick();

    const samples = sampler.since();
    expect(samples).toHaveLength(2);
    expect(samples[1]).toEqual({ at: 1_002_000, values: { 'callbacks|tencent|accepted': 10, 'pending|web': 7 } });
  });

  test('When a counter goes down (a restart), then the new total counts as what happened since', async () => {
    const clock = { now: 0 };
    let current = reading({ c: 100 });
    const sampler = createSampler({ read: () => current, clock: () => clock.now });
    await sampler.tick();

    clock.now = 1000;
    current = reading({ c: 4 });
    await sampler.tick();

    expect(sampler.since()[1]?.values['c']).toBe(4);
  });

  test('When more ticks than the capacity are taken, then only the newest are kept, oldest first, and `since` filters by time', async () => {
    const clock = { now: 0 };
    const sampler = createSampler({ read: () => reading({}), clock: () => clock.now, capacity: 3 });

    for (let i = 0; i < 5; i += 1) {
      clock.now = i * 1000;
      await sampler.tick();
    }

    expect(sampler.since().map((s) => s.at)).toEqual([2000, 3000, 4000]);
    expect(sampler.since(3000).map((s) => s.at)).toEqual([4000]);
  });
});

describe('registryReading', () => {
  test('When the gateway metrics have values, then the series keys sum away the labels the overview does not show', async () => {
    const registry = new Registry();
    const callbacks = new Counter({ name: 'imgw_callbacks_total', help: 'h', labelNames: ['vendor', 'command', 'outcome'], registers: [registry] });
    const pending = new Gauge({ name: 'imgw_spool_pending_events', help: 'h', labelNames: ['sink'], registers: [registry] });
    callbacks.inc({ vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', outcome: 'accepted' }, 2);
    callbacks.inc({ vendor: 'tencent', command: 'Group.CallbackAfterSendMsg', outcome: 'accepted' }, 3);
    pending.set({ sink: 'web' }, 9);

    const read = await registryReading(registry)();

    expect(read.totals.get('callbacks|tencent|accepted')).toBe(5);
    expect(read.levels.get('pending|web')).toBe(9);
  });
});

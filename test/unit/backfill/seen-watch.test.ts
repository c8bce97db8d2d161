import { createSeenWatch } from '../../../src/backfill/seen-watch';
import type { Event, EventAttributes } from '../../../src/events/event';

const event = (attributes: Partial<EventAttributes>): Event => ({
  attributes: { specversion: '1.0', id: 'x', source: 's', type: 't', time: '2026-01-01T00:00:00Z', datacontenttype: 'application/json', vendor: 'tencent', command: 'c', appid: '1400000001', ...attributes },
  data: '{}',
});

describe('seen conversations watch', () => {
  test('When messages are accepted, then each conversation is taken once with its latest time, one-to-one pairs in a fixed order, and other events are left out', () => {
    const watch = createSeenWatch();

    watch.observe(event({ convtype: 'c2c', fromaccount: 'bob', toaccount: 'alice' }), 100);
    watch.observe(event({ convtype: 'c2c', fromaccount: 'alice', toaccount: 'bob' }), 200);
    watch.observe(event({ convtype: 'group', groupid: '@TGS#1' }), 150);
    watch.observe(event({ convtype: 'chatroom', groupid: 'live' }), 160);
    watch.observe(event({ command: 'State.StateChange' }), 170);

    expect(watch.take()).toEqual([
      { vendor: 'tencent', app: '1400000001', kind: 'user', a: 'alice', b: 'bob', lastAt: 200 },
      { vendor: 'tencent', app: '1400000001', kind: 'group', a: '@TGS#1', lastAt: 150 },
      { vendor: 'tencent', app: '1400000001', kind: 'room', a: 'live', lastAt: 160 },
    ]);
    expect(watch.take()).toEqual([]);
  });

  test('When more distinct conversations come between two notes than it holds, then the extra ones wait for a later message', () => {
    const watch = createSeenWatch({ max: 2 });

    for (const group of ['a', 'b', 'c']) watch.observe(event({ convtype: 'group', groupid: group }), 1);
    watch.observe(event({ convtype: 'group', groupid: 'a' }), 2);

    expect(watch.take().map((c) => [c.a, c.lastAt])).toEqual([['a', 2], ['b', 1]]);
  });
});

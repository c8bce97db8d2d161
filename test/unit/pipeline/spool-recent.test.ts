import type { Event } from '../../../src/events/event';
import { createRecentEvents } from '../../../src/pipeline/spool/recent';

const event = (id: string): Event => ({ attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-12-06T10:00:00.000Z', datacontenttype: 'application/json' }, data: '{}' });

describe('the newest events in memory', () => {
  test('When every sink whose route takes an event has taken it, then it is let go; a look ahead keeps it', () => {
    const recent = createRecentEvents(10);
    recent.add(1, event('a'), 2);
    recent.add(2, event('b'), 0);
    expect(recent.get(2)).toBeUndefined();
    expect(recent.get(1)?.attributes.id).toBe('a');
    recent.taken(1);
    expect(recent.get(1)?.attributes.id).toBe('a');
    recent.taken(1);
    expect(recent.get(1)).toBeUndefined();
    expect(recent.size).toBe(0);
  });

  test('When more events come than it holds, then the oldest go first', () => {
    const recent = createRecentEvents(3);
    for (let seq = 1; seq <= 5; seq += 1) recent.add(seq, event(String(seq)), 1);
    expect([1, 2, 3, 4, 5].map((seq) => recent.get(seq)?.attributes.id)).toEqual([undefined, undefined, '3', '4', '5']);
    recent.delete(4);
    expect(recent.get(4)).toBeUndefined();
  });
});

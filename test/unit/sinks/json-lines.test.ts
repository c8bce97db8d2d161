import { eventToJson, type Event } from '../../../src/events/event';
import { jsonLines, oneLine } from '../../../src/sinks/stdout-sink';

const event = (id: string, data: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', fromaccount: 'ä 😀 \u2028' },
  data,
});

describe('jsonLines', () => {
  test('When a batch is encoded, then the bytes are each event on one line of UTF-8, newline-terminated, in order', () => {
    const batch = [event('a', '{"a":1}'), event('b', '{\r\n  "text": "ç 😀"\n}'), event('c', '{}')];

    const bytes = jsonLines(batch);

    expect(bytes.equals(Buffer.from(batch.map((e) => `${oneLine(eventToJson(e))}\n`).join(''), 'utf8'))).toBe(true);
    expect(bytes.toString('utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line).id)).toEqual(['a', 'b', 'c']);
  });

  test('When the batch is empty, then there are no bytes', () => {
    expect(jsonLines([])).toHaveLength(0);
  });
});

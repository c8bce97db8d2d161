import { CloudEvent } from 'cloudevents';
import { eventAttributes } from '../../../src/events/envelope';
import { eventToJson, type Event } from '../../../src/events/event';
import { asMessageEvent } from '../../../src/events/message';

const envelope = {
  id: '0123456789abcdef0123456789abcdef',
  source: 'example-im/app1',
  type: 'com.example.im.message',
  time: '2026-01-01T00:00:00.000Z',
  common: { vendor: 'example', command: 'message', fromaccount: 'alice', toaccount: undefined, convtype: 'c2c' as const, sendfailed: false },
  extensions: { msgseq: '9586798211', platform: undefined },
};

describe('eventAttributes', () => {
  test('When a vendor describes an occurrence, then the attributes are a CloudEvent the cloudevents package accepts, with absent facts left out', () => {
    const attributes = eventAttributes(envelope);

    const read = new CloudEvent({ ...attributes, data: { a: 1 } }, true);

    expect(read.specversion).toBe('1.0');
    expect(read.id).toBe(envelope.id);
    expect(read['msgseq']).toBe('9586798211');
    expect(read['sendfailed']).toBe(false);
    expect(attributes).not.toHaveProperty('toaccount');
    expect(attributes).not.toHaveProperty('platform');
    expect(Object.keys(attributes).slice(0, 2)).toEqual(['specversion', 'id']);
    expect(eventToJson({ attributes, data: '{"a":1}' })).toMatch(/^\{"specversion":"1\.0","id":"0123456789abcdef0123456789abcdef",/);
  });

  test('When a vendor attribute would reuse a common or reserved name, then it does not compile', () => {
    // @ts-expect-error `vendor` is a common attribute: it goes in `common`, typed.
    eventAttributes({ ...envelope, extensions: { vendor: 'x' } });
    // @ts-expect-error `id` is set by the builder.
    eventAttributes({ ...envelope, extensions: { id: 'x' } });

    expect(true).toBe(true);
  });
});

describe('asMessageEvent', () => {
  test('When a replayed copy is turned into its message payload, then it stays marked as replayed', () => {
    const event: Event = { attributes: eventAttributes(envelope), data: '{}', message: '{"version":1}', replayed: true };

    expect(asMessageEvent(event)).toMatchObject({ data: '{"version":1}', replayed: true });
    expect(asMessageEvent({ ...event, replayed: undefined })).not.toHaveProperty('replayed');
  });
});

import type { EventAttributes } from '../../../src/events/event';
import { encodeValue, maxPlaceholderLength, renderTemplate } from '../../../src/sinks/templates';

const attributes = (extra: Record<string, string>): EventAttributes => ({
  specversion: '1.0',
  id: 'x',
  source: 's',
  type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  vendor: 'tencent',
  command: 'C2C.CallbackAfterSendMsg',
  ...extra,
});

describe('renderTemplate', () => {
  test('When values are plain names, then they render unchanged and dotted commands keep their tokens', () => {
    expect(renderTemplate('im.{vendor}.{command}.{fromaccount}', attributes({ fromaccount: 'user_alice-1' }))).toBe(
      'im.tencent.C2C.CallbackAfterSendMsg.user_alice-1',
    );
  });

  test('When user ids differ only in characters that are not kept, then their subjects still differ', () => {
    const ids = ['a.b', 'a_b', 'a b', 'a*b', 'a>b', 'a%2Eb', 'a%b', '_', '', 'a~b', 'ａ.b', '\ud800', '\ud801', '\u0000', 'é', 'e\u0301'];
    const rendered = ids.map((id) => renderTemplate('im.{fromaccount}', attributes({ fromaccount: id })));

    expect(new Set(rendered).size).toBe(ids.length);
    expect(rendered[ids.indexOf('')]).toBe('im._');
    expect(renderTemplate('im.{fromaccount}', attributes({}))).toBe('im._');
    for (const subject of rendered) expect(subject).toMatch(/^im\.[A-Za-z0-9_%~-]+$/);
  });

  test('When a command has empty tokens or wildcards, then every subject token is non-empty and literal', () => {
    const commands = ['Foo.', 'a..b', '.x', '.', 'a.*', 'a.>', 'a.%'];
    const rendered = commands.map((command) => renderTemplate('im.{command}', attributes({ command })));

    for (const subject of rendered) {
      expect(subject.split('.').every((token) => token.length > 0 && !/[*> ]/.test(token))).toBe(true);
    }
    expect(rendered).toEqual(['im.Foo.%', 'im.a.%.b', 'im.%.x', 'im.%.%', 'im.a.%2A', 'im.a.%3E', 'im.a.%25']);
    expect(new Set(rendered).size).toBe(commands.length);
  });

  test('When a value is very long, then it is capped with a hash, and two long values with one prefix still differ', () => {
    const long = 'u'.repeat(5000);
    const a = encodeValue(`${long}a`);
    const b = encodeValue(`${long}b`);
    const dots = encodeValue('a.'.repeat(3000), true);
    const escapes = encodeValue('é'.repeat(100));

    expect(a.length).toBeLessThanOrEqual(maxPlaceholderLength);
    expect(a).toMatch(/^u+~[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(dots.length).toBeLessThanOrEqual(maxPlaceholderLength);
    expect(dots).toMatch(/^(a\.)*a~[0-9a-f]{32}$/);
    expect(escapes).toMatch(/^(%C3%A9)+~[0-9a-f]{32}$/);
  });

  test('When a placeholder names a missing attribute, then the rendered key stays bounded by the template', () => {
    const key = renderTemplate('imgw:{groupid}:{fromaccount}:events', attributes({ fromaccount: 'x'.repeat(100_000) }));

    expect(key.length).toBeLessThanOrEqual('imgw:_::events'.length + maxPlaceholderLength);
    expect(key.startsWith('imgw:_:')).toBe(true);
  });
});

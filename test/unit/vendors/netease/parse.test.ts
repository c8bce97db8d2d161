import { parseNeteaseBody } from '../../../../src/vendors/netease/parse';
import { eventSchemas, isTypedEventType } from '../../../../src/vendors/netease/schemas';
import { neteaseFixture, neteaseFixtures } from './fixtures';

const n1Text = neteaseFixture('n1-p2p-text').body.toString('utf8');
const parse = (text: string) => parseNeteaseBody(Buffer.from(text));
const withN1 = (changes: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(n1Text), ...changes });
const detailOf = (text: string) => {
  const parsed = parse(text);
  return parsed.kind === 'invalid' ? `${parsed.reason}: ${parsed.detail}` : parsed.kind;
};

const typedSamples = neteaseFixtures().filter((f) => f.expect.kind === 'event');

describe('NetEase body parsing', () => {
  test('When the samples are counted, then every typed eventType has at least one', () => {
    const covered = new Set(typedSamples.map((f) => String(Number(JSON.parse(f.body.toString('utf8')).eventType))));

    for (const eventType of Object.keys(eventSchemas)) expect({ eventType, covered: covered.has(eventType) }).toEqual({ eventType, covered: true });
  });

  test.each(typedSamples.map((f) => [f.name, f] as const))('When sample %s is parsed, then it matches the schema of its eventType and keeps every field', (_name, fixture) => {
    const json = JSON.parse(fixture.body.toString('utf8')) as Record<string, unknown>;
    const eventType = String(Number(json.eventType));

    const parsed = parseNeteaseBody(fixture.body);

    expect(parsed.kind).toBe('event');
    if (parsed.kind !== 'event') return;
    expect(parsed.event.eventType).toBe(eventType);
    expect(parsed.text).toBe(fixture.body.toString('utf8'));
    const fields = isTypedEventType(eventType) && (eventType === '1' || eventType === '4') ? (parsed.event.value as unknown as { fields: object }).fields : parsed.event.value;
    expect(fields).toEqual(expect.objectContaining(Object.fromEntries(Object.keys(json).map((key) => [key, expect.anything()]))));
  });

  test('When eventType is a number (N5), then it is eventType "1"', () => {
    const parsed = parseNeteaseBody(neteaseFixture('n5-numeric-event-type').body);

    expect(parsed.kind === 'event' && parsed.event.eventType).toBe('1');
  });

  test('When attach, ext and body hold JSON, then they stay strings and their parsed views sit beside them', () => {
    const parsed = parse(withN1({ body: '{"quoted":true}' }));
    const value = parsed.kind === 'event' ? (parsed.event.value as unknown as { fields: Record<string, unknown>; views: Record<string, unknown> }) : undefined;

    expect(value?.fields.ext).toBe('{"orderId":"A1001"}');
    expect(value?.views.ext).toEqual({ orderId: 'A1001' });
    expect(value?.fields.body).toBe('{"quoted":true}');
    expect(value?.views.body).toEqual({ quoted: true });
    expect(value?.views.attach).toBeUndefined();
  });

  test('When a picture attach arrives as an object instead of a string, then it is accepted and typed', () => {
    const n2 = JSON.parse(neteaseFixture('n2-team-picture').body.toString('utf8'));
    const parsed = parse(JSON.stringify({ ...n2, attach: JSON.parse(n2.attach) }));

    expect(parsed.kind === 'event' && (parsed.event.value as unknown as { views: { typedAttach: unknown } }).views.typedAttach).toMatchObject({ url: 'https://nim-nosdn.netease.im/example/photo.jpg', w: 1280 });
  });

  test('When tMembers lists members (not JSON), then they are split into accids', () => {
    const parsed = parseNeteaseBody(neteaseFixture('n2-team-picture').body);

    expect(parsed.kind === 'event' && (parsed.event.value as unknown as { views: { members: unknown } }).views.members).toEqual(['user_alice', 'user_bob', 'user_carol']);
  });

  test('When an 18-digit id arrives as a string, then it stays exactly that string', () => {
    const parsed = parseNeteaseBody(neteaseFixture('super-team-file').body);

    expect(parsed.kind === 'event' && (parsed.event.value as unknown as { fields: { msgidServer: unknown } }).fields.msgidServer).toBe('171450683457798182');
  });

  test.each([
    ['an empty body', '', 'probe'],
    ['{}', '{}', 'probe'],
    ['{} with spaces', ' { } ', 'probe'],
    ['null', 'null', 'invalid_payload: body must be a JSON object'],
    ['an array', '[{"eventType":"1"}]', 'invalid_payload: body must be a JSON object'],
    ['no eventType', '{"convType":"PERSON"}', 'invalid_payload: eventType is missing'],
    ['a word as eventType', '{"eventType":"login"}', 'invalid_payload: eventType must be a whole number (as a string or a number)'],
    ['a negative eventType', '{"eventType":-1}', 'invalid_payload: eventType must be a whole number (as a string or a number)'],
    ['truncated JSON', n1Text.slice(0, 100), expect.stringMatching(/^malformed_json: body is not valid JSON/)],
    ['a byte-order mark', `\ufeff${n1Text}`, expect.stringMatching(/^malformed_json/)],
    ['an unsafe numeric msgidServer', n1Text.replace('"msgidServer":"6120031988331"', '"msgidServer":171450683457798182'), 'invalid_payload: msgidServer: ids beyond 2^53 must arrive as strings (the number has lost digits)'],
    ['a picture without url', withN1({ msgType: 'PICTURE', attach: '{"w":1}' }), 'invalid_payload: attach.url: expected string, received undefined'],
    ['a picture whose attach is text', withN1({ msgType: 'PICTURE', attach: 'photo' }), 'invalid_payload: attach: a PICTURE message needs attach to hold a JSON object'],
    ['a location out of range', withN1({ msgType: 'LOCATION', attach: '{"lat":"91","lng":"0"}' }), 'invalid_payload: attach.lat: Too big: expected number to be <=90'],
    ['no fromAccount', withN1({ fromAccount: undefined }), 'invalid_payload: fromAccount: expected string, received undefined'],
    ['a recall without msgId', '{"eventType":"7","from":"a","to":"b"}', 'invalid_payload: msgId: missing (expected an id as a string or a whole number)'],
    ['a chat-room message without roomId', '{"eventType":4,"fromAccount":"a","msgTimestamp":"1","msgType":"TEXT"}', 'invalid_payload: roomId: missing (expected an id as a string or a whole number)'],
    ['a read receipt whose objects is not an array', '{"eventType":"30","objects":"{}"}', 'invalid_payload: objects: expected a JSON array (or a string holding one)'],
  ])('When the body is %s, then the result says precisely what it is', (_name, text, expected) => {
    expect(detailOf(text)).toEqual(expected);
  });

  test('When tMembers lists more than 200 members, then the body is invalid', () => {
    const members = `[${Array.from({ length: 201 }, (_, i) => `u${i}`).join(', ')}]`;

    expect(detailOf(withN1({ convType: 'TEAM', tMembers: members }))).toBe('invalid_payload: tMembers: tMembers lists more than 200 members');
    expect(detailOf(withN1({ convType: 'TEAM', tMembers: members.replace(', u200', '') }))).toBe('event');
  });

  test('When a receipt batch holds more than 1000 items, then it is refused before validation', () => {
    expect(detailOf(JSON.stringify({ eventType: 11, objects: Array.from({ length: 1001 }, () => ({})) }))).toBe('invalid_payload: objects: more than 1000 items');
    expect(detailOf(JSON.stringify({ eventType: '30', objects: JSON.stringify(Array.from({ length: 1001 }, () => ({}))) }))).toBe('invalid_payload: objects: more than 1000 items');
  });

  test('When a body has many wrong fields, then at most three issues are reported', () => {
    const detail = detailOf(JSON.stringify({ eventType: '1', convType: 1, to: 2, fromAccount: 3, msgTimestamp: 'x', msgType: 5 }));

    expect(detail).toMatch(/^invalid_payload: .*; .*; .* \(\+\d+ more\)$/);
  });

  test('When an unknown convType or msgType arrives, then it is kept as an event, not refused', () => {
    expect(detailOf(withN1({ convType: 'NEW_KIND' }))).toBe('event');
    expect(detailOf(withN1({ msgType: 'STICKER', attach: 'anything' }))).toBe('event');
  });

  test.each([
    ['deep nesting', `{"eventType":"99","x":${'['.repeat(65)}${']'.repeat(65)}}`, 'invalid_payload: body: JSON nests deeper than 64 levels'],
    ['many objects', `{"eventType":"99","x":[${'{},'.repeat(10_000)}{}]}`, 'invalid_payload: body: JSON holds more than 10000 objects and arrays'],
    ['many members', `{"eventType":"99",${Array.from({ length: 50_001 }, (_, i) => `"k${i}":0`).join(',')}}`, 'invalid_payload: body: JSON holds more than 50000 members and items'],
  ])('When the body has %s, then it is refused before JSON.parse', (_name, text, expected) => {
    expect(detailOf(text)).toBe(expected);
  });

  test('When JSON inside attach nests too deep, then the attach view is left unparsed instead of parsing it', () => {
    const parsed = parse(withN1({ msgType: 'CUSTOM', attach: '['.repeat(100) + ']'.repeat(100) }));

    expect(parsed.kind === 'event' && (parsed.event.value as unknown as { views: { attach: unknown } }).views.attach).toBeUndefined();
  });

  test('When hostile 1 MiB bodies are parsed, then each costs about what an ordinary 1 MiB body costs', () => {
    const mib = 1024 * 1024;
    const ordinary = withN1({ body: 'x'.repeat(mib - 500) });
    const hostile = [
      '['.repeat(mib / 2) + ']'.repeat(mib / 2),
      `{"eventType":"11","objects":[${'{},'.repeat(mib / 3 - 20)}{}]}`,
      `{"eventType":"1",${'"k":0,'.repeat(mib / 6 - 10)}"k":0}`,
      `{"eventType":"30","objects":"${'[{}],'.repeat(mib / 5 - 10)}"}`,
      `{"eventType":"1","tMembers":"[${'a,'.repeat(mib / 2 - 20)}]"}`,
    ];
    const cost = (text: string) => {
      const buffer = Buffer.from(text);
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const started = process.hrtime.bigint();
        parseNeteaseBody(buffer);
        best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
      }
      return best;
    };

    const baseline = cost(ordinary);
    for (const text of hostile) expect(cost(text)).toBeLessThan(baseline * 10 + 30);
  });
});

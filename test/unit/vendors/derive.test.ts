import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config';
import { eventToJson, type Event } from '../../../src/events/event';
import { createDeriver } from '../../../src/vendors/derive';
import { buildVendors } from '../../../src/vendors/registry';
import type { CallbackHead, Vendor } from '../../../src/vendors/vendor';

const fixtures = join(__dirname, '..', '..', 'fixtures');
const receivedAt = Date.parse('2026-12-06T10:00:00.000Z');
const config = loadConfig({
  DATA_DIR: '/tmp',
  TENCENT_SDKAPPIDS: '1400000001',
  NETEASE_APP_SECRETS: 'c0ffee5ecret42',
  NETEASE_APP_KEY: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  EASEMOB_CALLBACK_SECRETS: 'em-cb-secret-7788',
});
const vendors = buildVendors(config.vendors, { clock: () => receivedAt, relayKeys: [] }).active;
const vendor = (name: string): Vendor => vendors.find((v) => v.name === name) as Vendor;

/** Every sample request of a vendor as the callback route hands it over: [file, head, body]. */
function samples(name: string): [string, CallbackHead, Buffer][] {
  const dir = join(fixtures, name);
  return readdirSync(dir).filter((file) => file.endsWith('.json')).map((file): [string, CallbackHead, Buffer] => {
    const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { query?: string; body?: unknown; headers?: Record<string, string> };
    if (name === 'tencent') return [file, { query: new URLSearchParams(json.query), headers: {} }, Buffer.from(JSON.stringify(json.body))];
    if (name === 'netease') {
      const headers = Object.fromEntries(Object.entries(json.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      return [file, { query: new URLSearchParams(), headers }, readFileSync(join(dir, file.replace(/\.json$/, '.body')))];
    }
    return [file, { query: new URLSearchParams(), headers: { 'content-type': 'application/json' } }, readFileSync(join(dir, file))];
  });
}

/** What a sink sees of an event: its CloudEvent text and its neutral message. */
const seen = (event: Event) => ({ cloudEvent: eventToJson(event), message: event.message });

describe('making a stored event again from its body and origin', () => {
  const derive = createDeriver(vendors);

  describe.each(['tencent', 'netease', 'easemob'])('%s', (name) => {
    const cases = samples(name).filter(([, head, body]) => vendor(name).toEvent(head, body, receivedAt).kind === 'event');

    it('has samples that map to events', () => {
      expect(cases.length).toBeGreaterThan(5);
    });

    it.each(cases.map(([file, head, body]) => [file, head, body] as const))('When %s is made again from what the spool keeps, then a sink sees the same event', (_file, head, body) => {
      const intake = vendor(name).toEvent(head, body, receivedAt);
      if (intake.kind !== 'event') throw new Error('not an event');
      const again = derive({ vendor: name, head: vendor(name).storedHead(head) }, intake.event.data, receivedAt);
      expect(again && seen(again)).toEqual(seen(intake.event));
    });
  });

  it('When the intake added attributes (a backfill mark), then they are added again, in the same place', () => {
    const [, head, body] = samples('tencent').find(([file]) => file === 'c2c-after-send-minimal.json') as [string, CallbackHead, Buffer];
    const intake = vendor('tencent').toEvent(head, body, receivedAt);
    if (intake.kind !== 'event') throw new Error('not an event');
    const marked = { ...intake.event, attributes: { ...intake.event.attributes, backfill: 'group_msg_get_simple' } };
    const again = derive({ vendor: 'tencent', head: vendor('tencent').storedHead(head), added: { backfill: 'group_msg_get_simple' } }, intake.event.data, receivedAt);
    expect(again && seen(again)).toEqual(seen(marked));
  });

  it('When the vendor is not configured here, or the body or head no longer maps to an event, then nothing is made (and nothing is thrown)', () => {
    const onlyTencent = createDeriver([vendor('tencent')]);
    const [, head, body] = samples('easemob')[0] as [string, CallbackHead, Buffer];
    expect(onlyTencent({ vendor: 'easemob', head: vendor('easemob').storedHead(head) }, body.toString(), receivedAt)).toBeUndefined();
    expect(derive({ vendor: 'tencent', head: { query: 'SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg' } }, '{"not":"a message"}', receivedAt)).toBeUndefined();
    const [, tencentHead, tencentBody] = samples('tencent').find(([file]) => file === 'c2c-after-send-minimal.json') as [string, CallbackHead, Buffer];
    expect(derive({ vendor: 'tencent', head: vendor('tencent').storedHead(tencentHead) }, tencentBody.toString(), receivedAt)).toBeDefined();
    expect(derive({ vendor: 'tencent', head: {} }, tencentBody.toString(), receivedAt)).toBeUndefined();
  });
});

import Ajv2020 from 'ajv/dist/2020';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config';
import { messageJsonSchema } from '../../../src/docs';
import { buildVendors } from '../../../src/vendors/registry';
import type { CallbackHead } from '../../../src/vendors/vendor';
import { allFixtures } from '../../helpers/fixtures';

const published = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'message.schema.json'), 'utf8');
const { active } = buildVendors(loadConfig({ NETEASE_APP_SECRETS: 'c0ffee5ecret42' }).vendors, { clock: () => 0, relayKeys: [] });
const vendor = (name: string) => {
  const found = active.find((v) => v.name === name);
  if (!found) throw new Error(`vendor ${name} is not built`);
  return found;
};

/** Every neutral message the vendors make from their fixtures, as JSON text. */
function messages(): { name: string; message: string }[] {
  const tencent = allFixtures().map((fixture) => {
    const head: CallbackHead = { query: new URLSearchParams(fixture.query), headers: {} };
    const intake = vendor('tencent').toEvent(head, Buffer.from(JSON.stringify(fixture.body)), 1_700_000_000_000);
    return { name: `tencent/${fixture.name}`, message: intake.kind === 'event' ? intake.event.message : undefined };
  });
  const dir = join(__dirname, '..', '..', 'fixtures', 'netease');
  const netease = readdirSync(dir)
    .filter((file) => file.endsWith('.body'))
    .map((file) => {
      const meta = JSON.parse(readFileSync(join(dir, file.replace(/\.body$/, '.json')), 'utf8')) as { headers: Record<string, string> };
      const headers = Object.fromEntries(Object.entries(meta.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const intake = vendor('netease').toEvent({ query: new URLSearchParams(), headers }, readFileSync(join(dir, file)), 1_700_000_000_000);
      return { name: `netease/${file}`, message: intake.kind === 'event' ? intake.event.message : undefined };
    });
  return [...tencent, ...netease].filter((m): m is { name: string; message: string } => m.message !== undefined);
}

describe('the neutral message JSON Schema (docs/message.schema.json)', () => {
  test('When the published schema is compared with the one generated from the code, then they match (run `npm run docs` to fix)', () => {
    expect(published).toBe(messageJsonSchema());
  });

  test('When every vendor fixture that is a message is mapped, then a standard JSON Schema validator accepts each message', () => {
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(published) as object);
    const all = messages();

    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(new Set(all.map((m) => m.name.split('/')[0]))).toEqual(new Set(['tencent', 'netease']));
    for (const { name, message } of all) {
      const valid = validate(JSON.parse(message));
      expect({ name, errors: valid ? null : validate.errors }).toEqual({ name, errors: null });
    }
  });

  test('When a message breaks the schema, then the validator refuses it (the check can fail)', () => {
    const validate = new Ajv2020({ strict: true }).compile(JSON.parse(published) as object);
    const [first] = messages();
    const broken = { ...JSON.parse(first?.message ?? '{}'), conversation: 'broadcast' };

    expect(validate(broken)).toBe(false);
  });
});

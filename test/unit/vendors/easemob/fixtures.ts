import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The callback rule secret and App Key every Easemob fixture is signed for. */
export const fixtureSecret = 'em-cb-secret-7788';
export const fixtureAppKey = 'acme#chatapp';

const dir = join(__dirname, '..', '..', '..', 'fixtures', 'easemob');

/** The raw bytes of a fixture body, exactly as stored. */
export const fixtureBytes = (name: string): Buffer => readFileSync(join(dir, `${name}.json`));
export const fixtureJson = (name: string): Record<string, unknown> => JSON.parse(fixtureBytes(name).toString('utf8')) as Record<string, unknown>;
export const fixtureNames = (): string[] =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''));

/** Independent of the code under test: md5(callId + secret + timestamp), lower-case hex. */
export function resign(body: Record<string, unknown>, secret: string = fixtureSecret): Buffer {
  const security = createHash('md5').update(`${String(body.callId)}${secret}${String(body.timestamp)}`).digest('hex');
  return Buffer.from(JSON.stringify({ ...body, security }));
}

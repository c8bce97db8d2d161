import { join } from 'node:path';
import { neteaseBodyMd5, neteaseChecksum } from '../../../../src/vendors/netease/checksum';
import { loadRawFixtures, type ContractFixture } from '../../../helpers/vendor-contract';

/** The made-up secret and AppKey of protocols/netease.md §8. */
export const testSecret = 'c0ffee5ecret42';
export const testAppKey = '3f1e0c9a7b5d4e2f8a6c1b0d9e8f7a6b';

const dir = join(__dirname, '..', '..', '..', 'fixtures', 'netease');

export type NeteaseFixture = ContractFixture & {
  readonly provenance: string;
  readonly expect: ContractFixture['expect'] & { readonly message?: string; readonly relayedBy?: string; readonly sendFailed?: boolean };
};

/** Every fixture, checked at its own CurTime. */
export function neteaseFixtures(): NeteaseFixture[] {
  return loadRawFixtures(dir, (headers) => Number(headers.curtime)) as NeteaseFixture[];
}

export function neteaseFixture(name: string): NeteaseFixture {
  const found = neteaseFixtures().find((fixture) => fixture.name === name);
  if (!found) throw new Error(`no NetEase fixture ${name}`);
  return found;
}

/** Headers that sign `body` the way NetEase does (lower-case names, as Node presents them). */
export function signedHeaders(body: Buffer, curTime = '1718000000123', secret = testSecret, appKey: string | undefined = testAppKey): Record<string, string> {
  const md5 = neteaseBodyMd5(body);
  const headers: Record<string, string> = { 'content-type': 'application/json;charset=utf-8', curtime: curTime, md5, checksum: neteaseChecksum(secret, md5, curTime) };
  if (appKey !== undefined) headers.appkey = appKey;
  return headers;
}

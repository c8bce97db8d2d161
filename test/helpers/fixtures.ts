import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TencentFixture {
  readonly name: string;
  readonly provenance: string;
  /** Another fixture that is the same message (same natural key): posting both stores one event. */
  readonly sameMessageAs?: string;
  readonly query: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const dir = join(__dirname, '..', 'fixtures', 'tencent');

export function loadFixture(name: string): TencentFixture {
  const parsed = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Omit<TencentFixture, 'name'>;
  return { name, ...parsed };
}

export function allFixtures(): TencentFixture[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => loadFixture(file.replace(/\.json$/, '')));
}

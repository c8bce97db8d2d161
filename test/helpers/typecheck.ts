import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Type-checks generated TypeScript (object literals typed with a library's interfaces) with `tsc
 * --strict`, whose excess-property checks catch misspelled fields. Returns tsc's output; empty = ok.
 */
export function typecheck(name: string, source: string): string {
  const dir = join(root, '.deploy-check');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.check.ts`);
  writeFileSync(file, source);
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', file], { timeout: 300_000,
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

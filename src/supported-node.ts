import { nodeTooOld } from './startup-hints';

// Imported first by the entry points (main.ts, cli.ts): on a Node too old for the spool, they stop here,
// before any module loads node:sqlite, with an error that says what to install instead of Node's
// "No such built-in module".
const hint = nodeTooOld(process.versions.node);
if (hint !== undefined) throw new Error(hint);

// Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" to stderr on first use (24
// does not): on a supported Node it is noise in every log and in the CLI's stderr. Only that warning is
// dropped; every other warning (and every other experimental feature's) is emitted as before.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
  const text = typeof warning === 'string' ? warning : warning.message;
  if (type === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

import { nodeTooOld } from './startup-hints';

// Imported first by the entry points (main.ts, cli.ts): on a Node too old for the spool, they stop here,
// before any module loads node:sqlite, with an error that says what to install instead of Node's
// "No such built-in module".
const hint = nodeTooOld(process.versions.node);
if (hint !== undefined) throw new Error(hint);

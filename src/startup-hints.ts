/** The oldest Node the gateway runs on: the first 22.x whose built-in `node:sqlite` has all the spool uses. */
export const oldestNode = '22.16.0';

const olderThan = (version: string, than: string): boolean => {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  const [x = 0, y = 0, z = 0] = than.split('.').map(Number);
  return a !== x ? a < x : b !== y ? b < y : c < z;
};

/**
 * What an operator must do when `nodeVersion` cannot run the gateway, or undefined when it can. Older
 * than `oldestNode`, `node:sqlite` is missing (Node 20, 22.12) or lacks what the spool calls (22.13 to
 * 22.15), and the error Node would throw does not say so.
 */
export function nodeTooOld(nodeVersion: string): string | undefined {
  if (!olderThan(nodeVersion, oldestNode)) return undefined;
  return (
    `this Node (${nodeVersion}) is too old: the gateway keeps its spool in Node's built-in node:sqlite and needs Node ${oldestNode} or later on the 22 line, or 24 ` +
    '(package.json engines). Install Node 24 and start again (README, Troubleshooting: "Node too old").'
  );
}

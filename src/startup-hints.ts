/**
 * Start-up failures an operator can fix without reading a stack trace: the one line that says what
 * to run. Undefined when the failure is not one of them.
 */
export function startupHint(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const abi = /NODE_MODULE_VERSION (\d+)[^]*?requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi && message.includes('better_sqlite3.node')) {
    return (
      `better-sqlite3 was compiled for another Node (module version ${abi[1]}; this Node ${process.version} needs ${abi[2]}). ` +
      'Run `npm rebuild better-sqlite3` with this Node first on PATH; without access to prebuilt binaries or nodejs.org, ' +
      'build it against headers from the npm registry (README, Troubleshooting: "NODE_MODULE_VERSION").'
    );
  }
  return undefined;
}

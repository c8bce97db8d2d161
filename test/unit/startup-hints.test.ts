import { startupHint } from '../../src/startup-hints';

/** What Node 24.21 printed loading an addon built for Node 20 (captured from a real run). */
const mismatch = new Error(`The module '/srv/gateway/node_modules/better-sqlite3/build/Release/better_sqlite3.node'
was compiled against a different Node.js version using
NODE_MODULE_VERSION 115. This version of Node.js requires
NODE_MODULE_VERSION 137. Please try re-compiling or re-installing
the module (for instance, using \`npm rebuild\` or \`npm install\`).`);

describe('startupHint', () => {
  test('When better-sqlite3 was built for another Node, then the hint names both module versions and what to run', () => {
    const hint = startupHint(mismatch);

    expect(hint).toContain('module version 115');
    expect(hint).toContain('needs 137');
    expect(hint).toContain('npm rebuild better-sqlite3');
    expect(hint).toContain('Troubleshooting');
  });

  test('When the failure is something else, then there is no hint', () => {
    expect(startupHint(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'))).toBeUndefined();
    expect(startupHint('NODE_MODULE_VERSION 1 requires NODE_MODULE_VERSION 2 in some-other.node')).toBeUndefined();
  });
});

// Rewrites the generated tables of README.md and docs/message.schema.json from the built code (run `npm run build` first).
const fs = require('node:fs');
const docs = require('../dist/docs');

(async () => {
  const tables = { config: docs.configTable(), 'sink-settings': docs.sinkSettingsTable(), replies: docs.repliesTable(), metrics: await docs.metricsTable() };
  let readme = fs.readFileSync('README.md', 'utf8');
  for (const [name, table] of Object.entries(tables)) {
    const pattern = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!pattern.test(readme)) throw new Error(`README.md has no ${name} markers`);
    readme = readme.replace(pattern, `$1${table}$2`);
  }
  fs.writeFileSync('README.md', readme);
  fs.writeFileSync('docs/message.schema.json', docs.messageJsonSchema());
})();

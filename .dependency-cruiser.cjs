/**
 * The import direction of ../shared/DESIGN.md, checked by `npm run lint` (part of `npm test`):
 * http -> vendors -> events -> pipeline -> sinks. Vendor modules (src/vendors/) are inbound only: they
 * know their protocol and nothing of Express, the pipeline, the sinks or the metrics. Sinks know only
 * `Event`; the relay sinks (src/sinks/relay/, one folder per target) hold everything outbound (REST
 * clients, tokens, quotas, the send journal, mapping). Vendors and sinks share only src/events/ (the
 * neutral message, the relay marker) and src/storage/ (the WAL flush the spool uses too, a leaf). The
 * pipeline knows only `Event` and `Sink`.
 * `process.env` is confined to the entry points by ESLint (eslint.config.mjs).
 */

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'One direction, no back-and-forth: a cycle means two modules are one concept or a layer is upside down.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'vendors-not-to-express-pipeline-sinks-metrics',
      severity: 'error',
      comment: 'A vendor module is inbound protocol only: it authenticates, maps and renders replies. The shared HTTP code owns Express, the spool, delivery and metrics; sending is a sink\'s job.',
      from: { path: '^src/vendors/' },
      to: { path: ['^src/(http|pipeline|sinks)/', '^src/(app|service|main|cli|metrics|process-metrics)\\.ts$', '(^|/)node_modules/(express|prom-client)/'] },
    },
    {
      name: 'vendors-not-to-storage',
      severity: 'error',
      comment: 'A vendor stores nothing (the spool does).',
      from: { path: '^src/vendors/' },
      to: { path: '^node:sqlite$' },
    },
    {
      name: 'sqlite-only-in-the-spool-and-the-relay-journal',
      severity: 'error',
      comment: 'The spool (src/pipeline/spool/) holds the database and runs every SQL statement on it; the relay journal keeps its own small file. Nothing else opens SQLite (node:sqlite).',
      from: { path: '^src/', pathNot: ['^src/pipeline/spool/', '^src/sinks/relay/journal\\.ts$'] },
      to: { path: '^node:sqlite$' },
    },
    {
      name: 'events-not-to-outer-layers',
      severity: 'error',
      comment: 'The Event envelope and the neutral message are the shared vocabulary: they import no layer.',
      from: { path: '^src/events/' },
      to: { path: ['^src/(http|vendors|pipeline|sinks)/', '^src/(app|service|main|cli|metrics|config)\\.ts$', '(^|/)node_modules/express/'] },
    },
    {
      name: 'pipeline-not-to-http-vendors',
      severity: 'error',
      comment: 'The pipeline knows Event and Sink, not Express, HTTP routes or any vendor.',
      from: { path: '^src/pipeline/' },
      to: { path: ['^src/(http|vendors)/', '^src/(app|service|main|cli)\\.ts$', '(^|/)node_modules/express/'] },
    },
    {
      name: 'pipeline-not-to-metrics',
      severity: 'error',
      comment: 'The pipeline reports deliveries through the narrow interface it owns (pipeline/delivery-observer.ts); the metrics module satisfies it.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(metrics|process-metrics)\\.ts$' },
    },
    {
      name: 'cli-reaches-sinks-through-the-registry',
      severity: 'error',
      comment: "The CLI knows no sink's quirks: what a sink type wants said (e.g. replay warnings) is a hook of its definition, reached through the registry.",
      from: { path: '^src/cli\\.ts$' },
      to: { path: '^src/sinks/', pathNot: '^src/sinks/registry\\.ts$' },
    },
    {
      name: 'metrics-not-to-vendors',
      severity: 'error',
      comment: 'Metrics record what the shared code observed (events/intake.ts names the message facts); no vendor module.',
      from: { path: '^src/(metrics|process-metrics)\\.ts$' },
      to: { path: '^src/vendors/' },
    },
    {
      name: 'sinks-not-to-pipeline-http',
      severity: 'error',
      comment: 'Sinks know only Event: no pipeline, no HTTP layer, no metrics (the dispatcher observes around them).',
      from: { path: '^src/sinks/' },
      to: { path: ['^src/(http|pipeline)/', '^src/(app|service|main|cli|metrics|process-metrics)\\.ts$', '(^|/)node_modules/(express|prom-client)/'] },
    },
    {
      name: 'sinks-guarded-by-the-registry',
      severity: 'error',
      comment: 'The registry wraps every sink it builds (sinks/guard.ts: name, idempotent close, no work after abort or close); nothing else wraps sinks, so every sink is guarded the same way.',
      from: { path: '^src/', pathNot: '^src/sinks/registry\\.ts$' },
      to: { path: '^src/sinks/guard\\.ts$' },
    },
    {
      name: 'sinks-not-to-vendors',
      severity: 'error',
      comment: 'A sink (a relay sink too) shares nothing with the vendors but src/events/: the neutral message and the relay marker.',
      from: { path: '^src/sinks/' },
      to: { path: '^src/vendors/' },
    },
    {
      name: 'backfill-not-to-http-sinks-storage',
      severity: 'error',
      comment: 'Backfill (src/backfill/) finds gaps and reads the vendors\' history APIs; what it fetches enters through the same intake as a callback. It runs no SQL (the spool does), knows no Express, sends to no sink and records metrics through the verbs it is given.',
      from: { path: '^src/backfill/' },
      to: { path: ['^src/(http|sinks|admin)/', '^src/(app|service|main|cli|metrics|process-metrics)\\.ts$', '(^|/)node_modules/(express|prom-client)/', '^node:sqlite$'] },
    },
    {
      name: 'inner-layers-not-to-backfill',
      severity: 'error',
      comment: 'Backfill is composed from the outside (src/parts/, the CLI): the callback path, the pipeline, vendors, events and sinks never depend on it.',
      from: { path: '^src/(http|vendors|events|pipeline|sinks)/' },
      to: { path: '^src/backfill/' },
    },
    {
      name: 'protocols-are-leaves',
      severity: 'error',
      comment: 'A vendor wire-protocol primitive (src/protocols/: a UserSig, a CheckSum) is shared by inbound code (vendors, backfill) and outbound code (relay sinks), which may not import each other; it depends on nothing of ours.',
      from: { path: '^src/protocols/' },
      to: { path: '^src/(?!protocols/)' },
    },
    {
      name: 'storage-is-a-leaf',
      severity: 'error',
      comment: 'A storage primitive (src/storage/: the WAL flush off the event loop) is shared by the spool and the relay journal, which may not import each other; it depends on nothing of ours.',
      from: { path: '^src/storage/' },
      to: { path: '^src/(?!storage/)' },
    },
    {
      name: 'src-not-to-tests-or-bench',
      severity: 'error',
      comment: 'Product code never depends on tests, test helpers or benchmarks.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-not-to-dev-dependencies',
      severity: 'error',
      comment: 'The image ships production dependencies only (npm prune --omit=dev).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};

/**
 * The import direction of ../shared/DESIGN.md, checked by `npm run lint` (part of `npm test`):
 * http -> vendors -> events -> pipeline -> sinks. Vendor modules know their protocol and nothing of
 * Express, the pipeline, the sinks or the metrics; sinks know only `Event`; the pipeline knows only
 * `Event` and `Sink`. The one documented exception: a relay sink (src/sinks/<v>-sink.ts) may use a
 * vendor's outbound client (REST client, token cache, rate limiter, send journal, message mapping),
 * never its intake.
 * `process.env` is confined to the entry points by ESLint (eslint.config.mjs).
 */

/** A vendor's outbound side: what a relay sink may use. Everything else in src/vendors/<v>/ is intake. */
const outbound = '^src/vendors/[^/]+/(client|token|limiter|journal|outbound|relay|send)[^/]*\\.ts$';

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
      comment: 'A vendor module is pure protocol: it authenticates, maps and renders replies. The shared HTTP code owns Express, the spool, delivery and metrics.',
      from: { path: '^src/vendors/' },
      to: {
        path: ['^src/(http|pipeline|sinks)/', '^src/(app|service|main|cli|metrics|process-metrics)\\.ts$', '(^|/)node_modules/(express|prom-client)/'],
        // A vendor's outbound client serves a relay sink: it may speak the sink contract (its errors, abort handling).
        pathNot: '^src/sinks/sink\\.ts$',
      },
    },
    {
      name: 'vendor-intake-not-to-storage',
      severity: 'error',
      comment: "A vendor's intake stores nothing (the spool does). The outbound side may keep a relay journal of what it sent.",
      from: { path: '^src/vendors/', pathNot: outbound },
      to: { path: '(^|/)node_modules/better-sqlite3/' },
    },
    {
      name: 'vendor-intake-not-to-sink-contract',
      severity: 'error',
      comment: "Only a vendor's outbound client may use the sink contract; the intake knows nothing of delivery.",
      from: { path: '^src/vendors/', pathNot: outbound },
      to: { path: '^src/sinks/sink\\.ts$' },
    },
    {
      name: 'vendor-outbound-not-to-intake',
      severity: 'error',
      comment: "A vendor's outbound client (the part a relay sink may use) does not reach into the vendor's intake.",
      from: { path: outbound },
      to: { path: '^src/vendors/', pathNot: [outbound, '^src/vendors/vendor\\.ts$', '^src/vendors/[^/]+/settings\\.ts$'] },
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
      name: 'sinks-not-to-vendor-intake',
      severity: 'error',
      comment: "A sink does not use a vendor's intake; a relay sink may use the vendor's outbound client only.",
      from: { path: '^src/sinks/' },
      to: { path: '^src/vendors/', pathNot: [outbound, '^src/vendors/[^/]+/settings\\.ts$'] },
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

'use strict';
// Preloaded into a gateway by a benchmark (`node --require bench/lib/gc-stats.cjs`): records every
// garbage collection (wall-clock start in ms, pause in ms, kind: perf_hooks' constants.NODE_PERFORMANCE_GC_*,
// 1 minor, 4 major, 8 incremental marking step, 16 weak callbacks) and the V8 heap in use every 250 ms, and
// writes them as JSON to the file named by GC_STATS_FILE when the process exits. The observer and the
// sampler cost a few microseconds per collection and per sample.
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { getHeapStatistics } = require('node:v8');
const { writeFileSync } = require('node:fs');

const file = process.env.GC_STATS_FILE;
if (file) {
  const gcs = [];
  const heap = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind]);
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => heap.push([Date.now(), getHeapStatistics().used_heap_size]), 250).unref();
  process.on('exit', () => writeFileSync(file, JSON.stringify({ gcs, heap })));
}

import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's default gauges whose names end in `_total`, which Prometheus reserves for counters
 * (`promtool check metrics` refuses them). Each is the sum of a gauge kept beside it with a `type`
 * label: `sum(nodejs_active_handles)` and so on.
 */
const counterStyleGauges = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Registers prom-client's process and Node.js metrics on `registry`, without the misnamed gauges. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of counterStyleGauges) registry.removeSingleMetric(name);
}

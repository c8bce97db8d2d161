import { Counter, type Registry } from 'prom-client';

/** The admin listener's metrics, on the service's registry (scraped on the callback port's /metrics). */
export function createAdminMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'imgw_admin_requests_total',
    help: 'Admin API requests by route (the route pattern, or "unmatched") and HTTP status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const audits = new Counter({
    name: 'imgw_admin_audit_events_total',
    help: 'Operator changes written to the audit trail, by action (dry runs included)',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const loginFailures = new Counter({
    name: 'imgw_admin_login_failures_total',
    help: 'Admin API requests refused for their token: missing, unknown, or limited (the client made too many failed attempts)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of ['missing', 'unknown', 'limited']) loginFailures.inc({ reason }, 0);
  return {
    request: (route: string, status: number) => requests.inc({ route, status: String(status) }),
    audit: (action: string) => audits.inc({ action }),
    loginFailed: (reason: 'missing' | 'unknown' | 'limited') => loginFailures.inc({ reason }),
  };
}

export type AdminMetrics = ReturnType<typeof createAdminMetrics>;

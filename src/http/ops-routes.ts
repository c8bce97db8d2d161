import express, { type Request, type Response, type Router } from 'express';
import type { Registry } from 'prom-client';

/**
 * What readiness depends on; each check returns a problem in words, or undefined when fine. A
 * `blocking` problem makes /readyz answer 503 (send no traffic here); a `degraded` one is reported with
 * 200, because this pod still keeps what it accepts safe.
 */
export interface ReadinessCheck {
  readonly level: 'blocking' | 'degraded';
  readonly check: () => string | undefined;
}

/** `/healthz` (the process answers), `/readyz` (it should receive traffic), `/metrics` (Prometheus). */
export function opsRouter(deps: { registry: Registry; readiness: readonly ReadinessCheck[] }): Router {
  const router = express.Router();
  router.get('/healthz', function healthz(_req: Request, res: Response) {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', function readyz(_req: Request, res: Response) {
    const found = (level: ReadinessCheck['level']) =>
      deps.readiness.filter((r) => r.level === level).map((r) => r.check()).filter((problem): problem is string => problem !== undefined);
    const problems = found('blocking');
    const degraded = found('degraded');
    const status = problems.length > 0 ? 'not ready' : degraded.length > 0 ? 'degraded' : 'ready';
    res.status(problems.length > 0 ? 503 : 200).json({ status, problems, degraded });
  });
  router.get('/metrics', async function metrics(_req: Request, res: Response) {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}

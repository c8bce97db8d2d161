import express, { type Request, type Response, type Router } from 'express';
import type { Registry } from 'prom-client';

/** What readiness depends on; each check returns a problem in words, or undefined when fine. */
export type ReadinessCheck = () => string | undefined;

/** `/healthz` (the process answers), `/readyz` (it should receive traffic), `/metrics` (Prometheus). */
export function opsRouter(deps: { registry: Registry; readiness: readonly ReadinessCheck[] }): Router {
  const router = express.Router();
  router.get('/healthz', function healthz(_req: Request, res: Response) {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', function readyz(_req: Request, res: Response) {
    const problems = deps.readiness.map((check) => check()).filter((problem): problem is string => problem !== undefined);
    res.status(problems.length === 0 ? 200 : 503).json({ status: problems.length === 0 ? 'ready' : 'not ready', problems });
  });
  router.get('/metrics', async function metrics(_req: Request, res: Response) {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}

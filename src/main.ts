import { readFileSync } from 'node:fs';
import pino from 'pino';
import { loadConfigFromEnvironment, type Config } from './config';
import { startService } from './service';
import { vendorWarnings } from './vendors/registry';

/** The composition root: the only code that reads the environment, listens for signals or exits. */
async function main(): Promise<void> {
  const config = readConfig();
  const toStderr = config.sinks.some((sink) => sink.type === 'stdout');
  const logger = pino({ level: config.logLevel, base: { service: 'im-callback-gateway' } }, pino.destination(toStderr ? 2 : 1));
  for (const warning of vendorWarnings(config.vendors)) logger.warn(warning);

  const service = await startService(config, logger);
  logger.info({ port: service.port, dataDir: config.dataDir, sinks: service.sinks.map((s) => s.name) }, 'listening');

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    service.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown).once('SIGINT', shutdown);
  // A programmer error: log it as JSON and exit non-zero so Kubernetes restarts the pod.
  const crash = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, kind);
    process.exit(1);
  };
  process.on('unhandledRejection', crash('unhandled rejection')).on('uncaughtException', crash('uncaught exception'));
}

function readConfig(): Config {
  try {
    return loadConfigFromEnvironment(process.env, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

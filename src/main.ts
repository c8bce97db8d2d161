// First: on a Node too old for the spool, stop with a message that says what to install.
import './supported-node';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { loadConfigFromEnvironment, type Config } from './config';
import { fillHeapFor, semiSpaceFlag, semiSpaceGiven, tuneHeap } from './heap';
import { safeLogDestination } from './log-destination';
import { startService, type RunningService } from './service';
import { vendorWarnings } from './vendors/registry';

/** The composition root: the only code that reads the environment, listens for signals or exits. */
async function main(): Promise<void> {
  const heapFlag = tuneHeap(process.execArgv);
  const config = readConfig();
  const toStderr = config.sinks.some((sink) => sink.type === 'stdout');
  // A log destination that cannot write (full disk, closed pipe) drops lines instead of throwing.
  const destination = safeLogDestination(toStderr ? 2 : 1, { noticeFd: 2 });
  const logger = pino({ level: config.logLevel, base: { service: 'im-callback-gateway' } }, destination);

  // Signals are handled from the first moment: a SIGTERM during start-up or right after "listening"
  // still drains and exits 0 instead of the default action (killed mid-way).
  let service: RunningService | undefined;
  let signalled: string | undefined;
  const stop = (running: RunningService) => {
    running.stop().then(
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
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = signal;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    if (service) stop(service);
  };
  process.on('SIGTERM', shutdown).on('SIGINT', shutdown);
  // A programmer error: log it as JSON and exit non-zero so Kubernetes restarts the pod.
  let crashed = false;
  const crash = (kind: string) => (error: unknown) => {
    if (crashed) return;
    crashed = true;
    logger.fatal({ err: error }, kind);
    process.exit(1);
  };
  process.on('unhandledRejection', crash('unhandled rejection')).on('uncaughtException', crash('uncaught exception'));

  for (const warning of vendorWarnings(config.vendors)) logger.warn(warning);
  // The heap growing factor changes during a fill, unless the command line chose one for the whole run.
  service = await startService(config, logger, Date.now, fillHeapFor(heapFlag));
  if (signalled) return stop(service);
  // Before the listening line, so whatever waits for that line has seen the warning too.
  if (!semiSpaceGiven(process.execArgv, process.env.NODE_OPTIONS)) {
    logger.warn(`started without a young-generation limit: V8 may hold up to 128 MiB of it; start with node ${semiSpaceFlag} dist/main.js (npm start and the image do)`);
  }
  logger.info({ port: service.port, dataDir: config.dataDir, sinks: service.sinks.map((s) => s.name), v8: heapFlag ?? 'as given' }, 'listening');
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

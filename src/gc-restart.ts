import { restartWithGcFlag } from './gc-threads';

// Imported by main.ts right after the Node version check, before anything else loads: on one CPU the
// process replaces itself with the same command plus `--single-threaded-gc` (see gc-threads.ts), and
// the sooner it does, the less start-up work is done twice.
restartWithGcFlag();

export { openSpool, type SinkBacklog, type Spool, type SpoolOptions, type SpoolSink } from './spool/index';
export { lockSpool } from './spool/database';
export type { SpooledEvent } from './spool/log';
export type { QuarantineDropped, QuarantineEntry, QuarantineLimits, QuarantinedHead } from './spool/quarantine';
export type { Range } from './spool/admin';

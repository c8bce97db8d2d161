export { freePort } from './children';
/** Polls `check` every 25 ms until it returns truthy; rejects naming `what` after `timeoutMs`. */
export function until(check: () => unknown, timeoutMs: number, what: string | (() => string)): Promise<void>;

export interface StartOptions {
  /** The server binary (default: the Debian package's). */
  bin?: string;
  /** How long the start may take before everything started is stopped (default 30 s for NATS, 15 s for nginx). */
  timeoutMs?: number;
}

export interface NatsCluster {
  readonly urls: string[];
  readonly nodes: { name: string; client: number; http: number; pid: number }[];
  kill(i: number): Promise<void>;
  monitor(i: number, path: string): Promise<any>;
  stop(): Promise<void>;
}
export function startNatsCluster(dir: string, options?: StartOptions): Promise<NatsCluster>;

export interface Nginx {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}
export function startNginx(dir: string, upstreams: number[], options?: StartOptions): Promise<Nginx>;

export function freePort(): Promise<number>;
/** Polls `check` every 25 ms until it returns truthy; rejects naming `what` after `timeoutMs`. */
export function until(check: () => unknown, timeoutMs: number, what: string): Promise<void>;

export interface NatsCluster {
  readonly urls: string[];
  readonly nodes: { name: string; client: number; http: number }[];
  kill(i: number): Promise<void>;
  monitor(i: number, path: string): Promise<any>;
  stop(): Promise<void>;
}
export function startNatsCluster(dir: string): Promise<NatsCluster>;

export interface Nginx {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}
export function startNginx(dir: string, upstreams: number[]): Promise<Nginx>;

import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';

/** The JetStream side of the scale-out test: a replicated stream and everything in it. */
export class StreamReader {
  private constructor(private readonly nc: NatsConnection) {}

  static async open(servers: string[]): Promise<StreamReader> {
    return new StreamReader(await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 }));
  }

  /** Creates `name` over `subjects`, three replicas, de-duplicating by Nats-Msg-Id within two minutes. */
  async create(name: string, subjects: string[]): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.streams.add({ name, subjects, num_replicas: 3, duplicate_window: nanos(120_000) });
  }

  /** The cluster node that leads the stream, e.g. "n2". */
  async leader(name: string): Promise<string> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(name);
    return info.cluster?.leader ?? '';
  }

  async count(name: string): Promise<number> {
    const jsm = await jetstreamManager(this.nc);
    return (await jsm.streams.info(name)).state.messages;
  }

  /** Every message in the stream, parsed as JSON (the gateway's CloudEvents), read by sequence number. */
  async all(name: string): Promise<Record<string, unknown>[]> {
    const jsm = await jetstreamManager(this.nc);
    const { state } = await jsm.streams.info(name);
    const out: Record<string, unknown>[] = [];
    for (let from = state.first_seq; state.messages > 0 && from <= state.last_seq; from += 64) {
      const seqs = Array.from({ length: Math.min(64, state.last_seq - from + 1) }, (_, i) => from + i);
      const messages = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(name, { seq })));
      for (const m of messages) if (m) out.push(m.json<Record<string, unknown>>());
    }
    return out;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

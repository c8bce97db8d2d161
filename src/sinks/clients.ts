/**
 * The sink clients, loaded when the first sink of their kind is built: a gateway that writes only to a
 * file or stdout never loads pg, ioredis or the NATS client (together about 17 MiB of resident memory).
 */
import type * as Pg from 'pg';
import type IORedis from 'ioredis';
import type * as NatsTransport from '@nats-io/transport-node';
import type * as NatsJetStream from '@nats-io/jetstream';

/* eslint-disable @typescript-eslint/no-require-imports -- loading on first use is the point */
export const loadPg = (): typeof Pg => require('pg') as typeof Pg;

export function loadRedis(): typeof IORedis {
  const loaded = require('ioredis') as typeof IORedis & { default?: typeof IORedis };
  return loaded.default ?? loaded;
}

export const loadNats = (): typeof NatsTransport & typeof NatsJetStream => ({
  ...(require('@nats-io/transport-node') as typeof NatsTransport),
  ...(require('@nats-io/jetstream') as typeof NatsJetStream),
});
/* eslint-enable @typescript-eslint/no-require-imports */

import type express from 'express';
import { publicSinkSettings } from '../../src/sinks/public-settings';
import { sinkConfigSchema } from '../../src/sinks/registry';
import { startRecordingPod } from '../helpers/console';

/** Fixed times so screenshots are stable: one minute apart, newest on gw-2. */
export const T0 = Date.UTC(2026, 11, 5, 10, 32, 0);

const neutral = (vendor: string, eventId: string, from: string, to: string, elements: unknown[]) =>
  JSON.stringify({ version: 1, vendor, appId: '1400000001', eventId, messageId: `m-${eventId}`, conversation: 'one-to-one', from, to, sentAt: new Date(T0).toISOString(), elements });

function stored(seq: number, vendor: string, command: string, receivedAt: number, from: string, to: string, elements: unknown[]) {
  const id = `${vendor}-${seq}`;
  return {
    seq,
    receivedAt,
    event: {
      attributes: { specversion: '1.0', id, source: `${vendor}/1400000001`, type: `com.example.im.${vendor}.${command}`, time: new Date(receivedAt).toISOString(), datacontenttype: 'application/json', vendor, command, fromaccount: from, toaccount: to },
      data: JSON.stringify({ From_Account: from, To_Account: to, MsgBody: elements }),
      message: neutral(vendor, id, from, to, elements),
    },
  };
}

const sinkStates = [{ sink: 'web', state: 'delivered' }, { sink: 'moderation', state: 'dead', attempts: 8, firstError: 'HTTP 503', lastError: 'HTTP 503 Service Unavailable', deadAt: T0 + 90_000 }];

/** The pods' sinks as the admin API shows them; the secrets here must never reach the page. */
export const SINK_SECRETS = ['Bearer mod-SECRET-0123', 'web-SECRET-4567'];
const sinkSettings = {
  items: [
    sinkConfigSchema.parse({ type: 'http', name: 'moderation', url: 'https://moderation.internal/events', mode: 'single', headers: { authorization: SINK_SECRETS[0] }, maxAttempts: 8 }),
    sinkConfigSchema.parse({ type: 'redis', name: 'web', url: `redis://default:${SINK_SECRETS[1]}@redis:6379/0`, stream: 'imgw:web' }),
  ].map(publicSinkSettings),
};

/** Each pod's gaps: an open outage and a filled group hole on gw-1, an open group hole on gw-0. */
const gaps: Record<string, unknown>[][] = [
  [{ gid: 5, kind: 'sequence', vendor: 'tencent', app: '1400000001', conversation: '@TGS#2C5SZEAEF', fromAt: T0 - 3_600_000, untilAt: T0 - 3_590_000, fromSeq: 1041, untilSeq: 1043, detectedAt: T0 - 3_560_000, state: 'open' }],
  [
    { gid: 2, kind: 'outage', fromAt: T0 - 900_000, untilAt: T0 - 780_000, detectedAt: T0 - 780_000, state: 'open' },
    { gid: 1, kind: 'sequence', vendor: 'tencent', app: '1400000001', conversation: '@TGS#1NVTZEAE4', fromAt: T0 - 7_200_000, untilAt: T0 - 7_190_000, fromSeq: 88, untilSeq: 90, detectedAt: T0 - 7_160_000, state: 'filled', note: '3 read back, 0 placeholders' },
  ],
];

/**
 * Three pods' admin endpoints answering in the admin API's shapes (one message per vendor, one dead
 * letter each, one quarantined Tencent request on gw-0), recording what the console sends them.
 */
export async function startFleet() {
  const messages = [
    stored(11, 'tencent', 'C2C.CallbackAfterSendMsg', T0, 'alice', 'bob', [{ kind: 'text', vendorType: 'TIMTextElem', text: 'Did the report reach moderation?' }]),
    stored(7, 'netease', 'message', T0 + 60_000, 'carol', 'dave', [{ kind: 'image', vendorType: 'PICTURE', images: [{ url: 'https://nos.example.com/p/1.jpg' }] }]),
    stored(3, 'easemob', 'chat', T0 + 120_000, 'erin', 'frank', [{ kind: 'location', vendorType: 'loc', latitude: 31.2304, longitude: 121.4737, description: 'Office' }]),
  ];
  // An hour of one-second samples would be 3,600; two minutes show the charts' shape.
  const samples = (i: number) => Array.from({ length: 120 }, (_, s) => ({ at: Date.now() - (120 - s) * 1000, values: {
    'callbacks|tencent|accepted': 20 + 10 * Math.sin(s / 9) + i, 'callbacks|netease|accepted': 6, 'callbacks|easemob|duplicate': 1, 'refused|tencent|bad_sign': s % 30 === 0 ? 2 : 0,
    'deliveries|web|ok': 27, 'deliveries|moderation|ok': s < 60 ? 0 : 25, 'pending|moderation': s < 60 ? s * 3 : 180 - (s - 60) * 3, 'pending|web': 0,
    'circuit_open|moderation': s < 60 && i === 0 ? 1 : 0, 'circuit_open|web': 0, 'reachable|moderation': s < 60 && i === 0 ? 0 : 1, 'reachable|web': 1 } }));
  return Promise.all(messages.map((message, i) => startRecordingPod({
    '/console/samples': (req: express.Request) => samples(i).filter((x) => x.at > Number(req.query['since'] ?? 0)),
    '/stats': { instance: `gw-${i}`, events: 100 + i, storedBytes: 40_960 * (i + 1), quarantined: i === 0 ? 1 : 0, configuredSinks: ['moderation', 'web'], pausedSinks: [],
      sinks: [{ sink: 'moderation', pending: 3 + i, oldestReceivedAt: T0, dead: 1 }, { sink: 'web', pending: 0, dead: 0 }] },
    '/sinks': sinkSettings,
    '/events': (req: express.Request) => ({ items: req.query['after'] === undefined ? [message] : [] }),
    // The event page asks by id, the search's badges by log position: the admin API takes either.
    [`/events/${message.event.attributes.id}`]: { stored: message, sinks: sinkStates },
    [`/events/${message.seq}`]: { stored: message, sinks: sinkStates },
    '/dead-letters': { items: [{ sink: 'moderation', seq: message.seq, id: message.event.attributes.id, type: message.event.attributes.type, receivedAt: message.receivedAt, attempts: 8, firstError: 'HTTP 503', lastError: 'HTTP 503 Service Unavailable', deadAt: T0 + 90_000 }] },
    '/dead-letters/redrive': (req: express.Request) => ((req.body as { dryRun?: boolean }).dryRun ? { dryRun: true, count: 1 } : { job: { id: `gw-${i}-1`, action: 'dlq.redrive', actor: 'alice', startedAt: T0, total: 1, state: 'done', done: 1, result: { count: 1 } } }),
    '/quarantine': { items: i === 0 ? [{ qid: 4, receivedAt: T0 + 30_000, vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', reason: 'schema', detail: 'MsgBody[0].MsgType: expected string', bytes: 74 }] : [] },
    '/quarantine/4': { qid: 4, receivedAt: T0 + 30_000, vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', reason: 'schema', detail: 'MsgBody[0].MsgType: expected string', bytes: 74,
      head: { query: 'SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg&Sign=9f86d081884c7d65&RequestTime=1796466720', headers: { 'content-type': 'application/json' } },
      body: '{"From_Account":"alice","MsgBody":[{"MsgType":7}]}', bodyBase64: Buffer.from('{"From_Account":"alice","MsgBody":[{"MsgType":7}]}').toString('base64') },
    '/gaps': { items: gaps[i] ?? [] },
    ...Object.fromEntries((gaps[i] ?? []).map((gap) => [`/gaps/${gap.gid}/settle`, (req: express.Request) => ({ ...gap, ...(req.body as { state: string }), note: `settled by alice: ${(req.body as { note: string }).note}` })])),
    '/replay': (req: express.Request) => ((req.body as { dryRun?: boolean }).dryRun ? { dryRun: true, count: 5 } : { job: { id: `gw-${i}-2`, action: 'replay', actor: 'alice', startedAt: T0, total: 5, state: 'done', done: 5, result: { count: 5 } } }),
  })));
}

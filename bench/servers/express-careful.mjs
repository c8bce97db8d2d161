// What a careful engineer writes by hand in an afternoon: Express 5, helmet, the Sign check (constant
// time, 60 s window), zod for the query and the C2C.CallbackAfterSendMsg body, prom-client counters and a
// latency histogram, replies in Tencent's format. No durability: the event is dropped after the reply.
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import client from 'prom-client';
import { z } from 'zod';

const token = process.env.TENCENT_CALLBACK_TOKENS ?? '';
const apps = new Set((process.env.TENCENT_SDKAPPIDS ?? '').split(',').filter(Boolean));
const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const callbacks = new client.Counter({ name: 'callbacks_total', help: 'Callbacks by command and outcome', labelNames: ['command', 'outcome'], registers: [registry] });
const latency = new client.Histogram({ name: 'callback_duration_seconds', help: 'Callback latency', labelNames: ['command'], registers: [registry] });

const query = z.object({
  SdkAppid: z.string().regex(/^\d{1,20}$/),
  CallbackCommand: z.string().min(1).max(64),
  contenttype: z.literal('json'),
  ClientIP: z.string().max(64).optional(),
  OptPlatform: z.string().max(32).optional(),
  Sign: z.string().regex(/^[0-9a-f]{64}$/),
  RequestTime: z.string().regex(/^\d{1,12}$/),
});
const element = z.object({ MsgType: z.string().min(1).max(64), MsgContent: z.record(z.string(), z.unknown()) });
const afterSend = z.object({
  CallbackCommand: z.literal('C2C.CallbackAfterSendMsg'),
  From_Account: z.string().min(1).max(128),
  To_Account: z.string().min(1).max(128),
  MsgSeq: z.number().int(),
  MsgRandom: z.number().int(),
  MsgTime: z.number().int(),
  MsgKey: z.string().min(1).max(256),
  OnlineOnlyFlag: z.number().int().optional(),
  SendMsgResult: z.number().int(),
  ErrorInfo: z.string().optional(),
  UnreadMsgNum: z.number().int().optional(),
  MsgBody: z.array(element).min(1).max(200),
  CloudCustomData: z.string().optional(),
});

const reply = (res, status, code, info) => res.status(status).json({ ActionStatus: code === 0 ? 'OK' : 'FAIL', ErrorCode: code, ErrorInfo: info });
const app = express();
app.disable('x-powered-by');
app.use(helmet());
app.use(express.json({ limit: '1mb' }));
app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
app.post('/tencent/callback', (req, res) => {
  const end = latency.startTimer({ command: 'unknown' });
  const q = query.safeParse(req.query);
  if (!q.success) return reply(res, 400, 1, 'bad query');
  if (apps.size && !apps.has(q.data.SdkAppid)) return reply(res, 403, 1, 'unknown SdkAppid');
  const expected = createHash('sha256').update(token + q.data.RequestTime).digest();
  const given = Buffer.from(q.data.Sign, 'hex');
  if (Math.abs(Date.now() / 1000 - Number(q.data.RequestTime)) > 60 || !timingSafeEqual(expected, given)) return reply(res, 401, 1, 'bad sign');
  const body = afterSend.safeParse(req.body);
  if (!body.success) {
    callbacks.inc({ command: q.data.CallbackCommand, outcome: 'invalid' });
    return reply(res, 400, 1, 'bad body');
  }
  callbacks.inc({ command: body.data.CallbackCommand, outcome: 'ok' });
  end({ command: body.data.CallbackCommand });
  return reply(res, 200, 0, '');
});
app.use((error, _req, res, _next) => reply(res, error.status ?? 500, 1, 'bad request'));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, msg: 'listening' })));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));

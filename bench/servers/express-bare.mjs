// Bare Express 5 with express.json(): parse the body, reply the Tencent OK. No validation, no durability.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/tencent/callback', (_req, res) => {
  res.json({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, msg: 'listening' })));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));

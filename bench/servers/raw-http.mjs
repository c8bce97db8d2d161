// The floor any callback receiver pays: node:http, read the body, JSON.parse, reply the Tencent OK.
// No validation, no durability.
import { createServer } from 'node:http';

const ok = JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(ok);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, msg: 'listening' })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

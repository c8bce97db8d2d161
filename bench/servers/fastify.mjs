// Fastify 5 with its built-in JSON body parser: reply the Tencent OK. No validation, no durability.
import Fastify from 'fastify';

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
app.post('/tencent/callback', async () => ({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }));
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(JSON.stringify({ port: Number(new URL(address).port), msg: 'listening' }));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));

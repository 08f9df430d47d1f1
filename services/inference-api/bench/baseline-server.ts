import Fastify from 'fastify';

// The HTTP layer's ceiling: an empty Fastify POST route that parses the same JSON body as /predict.
const app = Fastify({ logger: false });
app.post('/predict', async () => ({ ok: true }));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));

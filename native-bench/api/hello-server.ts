import Fastify from 'fastify';

// The ceiling: fastify with one JSON route and nothing else, in its own process like the API.
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });

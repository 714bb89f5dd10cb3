import type { Bench } from './lib/types.ts';

/** Loaded lazily so `run.ts ann` never imports fastify, kafkajs or the pipeline. */
export const BENCHES: ReadonlyArray<{ name: string; title: string; load: () => Promise<Bench['run']> }> = [
  { name: 'ann', title: 'ANN index: HNSW vs exact vs peers', load: async () => (await import('./ann.ts')).runAnn },
  { name: 'pipeline', title: 'Pipeline: learner throughput vs broker ceiling, freshness', load: async () => (await import('./pipeline.ts')).runPipeline },
  { name: 'api', title: 'API: recommend under autocannon vs fastify hello-world', load: async () => (await import('./api.ts')).runApi },
  { name: 'quality', title: 'Quality: prequential eval (streamrec eval)', load: async () => (await import('./quality.ts')).runQuality },
  { name: 'eval-speed', title: 'Eval speed: online model vs item-kNN, events/s in one replay', load: async () => (await import('./eval-speed.ts')).runEvalSpeed },
  { name: 'model-cost', title: 'Model cost: recommend CPU with and without the co-visitation source', load: async () => (await import('./model-cost.ts')).runModelCost },
  { name: 'refit-apply', title: 'Refit apply: a refit reaching a serving index, in-place updates vs moves and a sliced rebuild', load: async () => (await import('./refit-apply.ts')).runRefitApply },
  { name: 'redis', title: 'Redis: bytes per user, round trips per batch, redis-benchmark ceiling', load: async () => (await import('./redis.ts')).runRedis },
  { name: 'soak', title: 'Soak: learner and API under steady load, memory, lag and event-loop stalls', load: async () => (await import('./soak.ts')).runSoak },
  { name: 'startup', title: 'CLI startup: streamrec --help vs node -e 0, inspect on a warm stack', load: async () => (await import('./startup.ts')).runStartup },
];

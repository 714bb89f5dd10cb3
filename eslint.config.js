import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Client libraries live in src/adapters only: composition code (pipeline, serving, training),
// the CLI and workers reach Kafka, Redis and HTTP through adapter functions and core ports.
const CLIENT_LIBRARIES = {
  paths: ['kafkajs', 'ioredis', 'fastify'].map((name) => ({ name, message: `${name} is imported in src/adapters only; call an adapter function instead.` })),
  patterns: [{ group: ['@fastify/*'], message: '@fastify/* is imported in src/adapters only.' }],
};

// The model's learning half is bound only through createModel (core/model.ts), so every process
// holds one model object; core/learning.ts is internal to src/core.
const OUTSIDE_CORE = {
  paths: CLIENT_LIBRARIES.paths,
  patterns: [...CLIENT_LIBRARIES.patterns, { group: ['**/core/learning.ts'], message: 'learning.ts is the model\'s learning half: bind the model with createModel (core/model.ts).' }],
};

// The core is pure: no configuration loader, no I/O modules, nothing from the layers above it.
const CORE_FORBIDDEN = {
  paths: [
    ...CLIENT_LIBRARIES.paths,
    ...['fs', 'fs/promises', 'path', 'net', 'child_process', 'worker_threads'].flatMap((m) => [`node:${m}`, m]).map((name) => ({
      name,
      message: 'src/core does no I/O: take what it needs as an argument or a port (src/core/ports.ts).',
    })),
  ],
  patterns: [
    ...CLIENT_LIBRARIES.patterns,
    { group: ['**/config.ts'], message: 'src/core declares the narrow shape it needs; composition code converts Config.' },
    { group: ['**/adapters/**', '**/pipeline/**', '**/serving/**', '**/training/**'], message: 'src/core imports nothing from the layers above it.' },
  ],
};

// A call's spread arguments all go on the stack: past ~100,000 elements (a refit's items, one
// fetch's events, a chart's points) V8 throws "Maximum call stack size exceeded". Loop instead.
const UNBOUNDED_SPREAD = [
  {
    selector: "CallExpression[callee.property.name=/^(push|unshift)$/] > SpreadElement",
    message: 'push(...items) overflows the stack past ~100,000 items: loop over them instead.',
  },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(min|max)$/] > SpreadElement",
    message: 'Math.min/max(...values) overflows the stack past ~100,000 values: loop over them instead.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-results/', 'native-bench/results/', 'data/', '.streamrec/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain-JavaScript entry points (the bin, the build, the thread shims) run on Node.
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', URL: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // test/ and native-bench/ are exempt: tests fault-inject and inspect with the real clients
  // (KafkaJS error classes, a raw Redis connection), and the benches compare the clients
  // themselves (a bare fastify server, kafkajs against the engine's adapter).
  { files: ['src/**/*.ts', 'workers/**/*.ts'], ignores: ['src/adapters/**'], rules: { 'no-restricted-imports': ['error', OUTSIDE_CORE] } },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', CORE_FORBIDDEN] } },
  { files: ['src/**/*.ts', 'workers/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...UNBOUNDED_SPREAD] } },
);

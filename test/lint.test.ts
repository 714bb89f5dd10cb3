import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// npm test (what CI runs) holds the layering rules of eslint.config.js: client libraries only
// in src/adapters, a core without configuration, I/O or upper layers, learning bound through
// createModel only. A lint error anywhere fails the suite.
const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function messagesFor(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint (eslint.config.js) over the repository', () => {
  it('finds no error', async () => {
    const results = await eslint.lintFiles(['.']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(errors).toEqual([]);
  }, 120_000);

  it('keeps kafkajs, ioredis and fastify in src/adapters, and config and node I/O out of src/core', async () => {
    expect(await messagesFor("import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n", 'src/serving/example.ts')).toEqual([
      expect.stringContaining('kafkajs is imported in src/adapters only'),
    ]);
    expect(await messagesFor("import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n", 'src/adapters/kafka/example.ts')).toEqual([]);
    expect(await messagesFor("import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'src/core/example.ts')).toEqual([
      expect.stringContaining('src/core does no I/O'),
    ]);
    expect(await messagesFor("import type { Config } from '../config.ts';\nexport type C = Config;\n", 'src/core/example.ts')).toEqual([
      expect.stringContaining('src/core declares the narrow shape it needs'),
    ]);
    expect(await messagesFor("import { createLearning } from '../core/learning.ts';\nexport const l = createLearning;\n", 'src/pipeline/example.ts')).toEqual([
      expect.stringContaining("learning.ts is the model's learning half"),
    ]);
  });

  it('refuses spread arguments to push and Math.min/max in the engine (they overflow the stack on large inputs)', async () => {
    expect(await messagesFor('export function f(a: number[], b: number[]): number {\n  a.push(...b);\n  return Math.max(...a);\n}\n', 'src/core/example.ts')).toEqual([
      expect.stringContaining('push(...items) overflows the stack'),
      expect.stringContaining('Math.min/max(...values) overflows the stack'),
    ]);
    expect(await messagesFor('export function f(a: number[], b: number[]): number[] {\n  for (const x of b) a.push(x);\n  return [...a, ...b];\n}\n', 'src/pipeline/example.ts')).toEqual([]);
  });
});

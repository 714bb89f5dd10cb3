import { createMemoryModelStore } from '../../../src/adapters/memory/model-store.ts';
import { runModelStoreSuite } from '../model-store.suite.ts';

runModelStoreSuite('memory', () => createMemoryModelStore());

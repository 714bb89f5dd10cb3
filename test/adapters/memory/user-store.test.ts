import { createMemoryUserStore } from '../../../src/adapters/memory/user-store.ts';
import { runUserStoreSuite } from '../user-store.suite.ts';

runUserStoreSuite('memory', () => createMemoryUserStore());

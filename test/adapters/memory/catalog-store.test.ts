import { createMemoryCatalogStore } from '../../../src/adapters/memory/catalog-store.ts';
import { runCatalogStoreSuite } from '../catalog-store.suite.ts';

runCatalogStoreSuite('memory', () => createMemoryCatalogStore());

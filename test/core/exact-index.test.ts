import { createExactIndex } from '../../src/core/exact-index.ts';
import { annIndexSuite } from './ann-index.suite.ts';

annIndexSuite('exact', (dim) => createExactIndex(dim, 16));

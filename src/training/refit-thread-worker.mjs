// Worker entry: threads do not inherit the tsx loader of the main thread on Node 20, so
// register it here (as src/eval/eval-worker.mjs does), then run the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
await import('./refit-thread-worker.ts');

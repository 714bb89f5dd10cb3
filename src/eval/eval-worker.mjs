// Worker entry: threads do not inherit the tsx loader of the main thread on Node 20, so
// register it here (as src/cli/bin.mjs does), then run the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
await import('./eval-worker.ts');

// Worker process entry when running from the sources: register the tsx loader (as
// src/cli/bin.mjs does), then run the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
await import('./eval-worker.ts');

import { createRequire } from 'node:module';
import type * as Msgpackr from 'msgpackr';

// msgpackr's CommonJS build, required: its ESM entry is a tree of modules Node links one by one
// (~4 ms more CPU at every start that loads it, measured side by side with require). Adapters
// take msgpackr from here, so the process loads one copy of it.
export const msgpackr = createRequire(import.meta.url)('msgpackr') as typeof Msgpackr;
const { Packr } = msgpackr;

/**
 * The binary encoding of Kafka record values and Redis values alike: plain msgpack (no msgpackr
 * record extension) so any language can produce and read it.
 */
export const msgpack = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

import { Packr } from 'msgpackr';

/**
 * The binary encoding of Kafka record values and Redis values alike: plain msgpack (no msgpackr
 * record extension) so any language can produce and read it.
 */
export const msgpack = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

import type { Kafka, Message } from 'kafkajs';
import type { Config } from '../../config.ts';
import { validateId } from '../../core/events.ts';
import type { NeighbourRecord } from '../../core/neighbour-table.ts';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';
import { unpackKeyedRecord } from './codec.ts';
import { connectProducer, sendChunked, type EngineProducer } from './producer.ts';
import type { ItemNeighboursPublisher } from '../../core/ports.ts';

/**
 * The compacted item-neighbours topic: key itemId, value msgpack
 * `{ itemId, ids, weights, mass, updatedAtMs, forward?, forwardMass? }`, the item's heaviest
 * co-visitation rules (CoVisitation.rowOf) with the forward part of each; a null value
 * (tombstone) removes the item's rules. The refit worker writes it; every learner and API
 * process tails it into its NeighbourTable. Records without the forward parts (an older
 * writer) are read as before: the last item's distribution then comes from the whole weights.
 */
export type ItemNeighboursChange =
  | { kind: 'upsert'; record: NeighbourRecord }
  | { kind: 'remove'; itemId: string }
  | { kind: 'invalid'; reason: string };

/** More rules than any row the writer publishes (CoVisitationParams.maxNeighbours, 100 by default). */
export const MAX_NEIGHBOURS_PER_ROW = 10_000;

export function encodeItemNeighbours(record: NeighbourRecord): Buffer {
  return msgpack.pack({
    itemId: record.itemId,
    ids: record.ids,
    weights: record.weights,
    mass: record.mass,
    updatedAtMs: record.updatedAtMs,
    ...(record.forward !== undefined && record.forwardMass !== undefined ? { forward: record.forward, forwardMass: record.forwardMass } : {}),
  });
}

export function decodeItemNeighbours(key: Buffer | null, value: Buffer | null): ItemNeighboursChange {
  const unpacked = unpackKeyedRecord(key, value);
  if (unpacked.kind !== 'map') return unpacked;
  const r = unpacked.map;
  const idProblem = validateId(r.itemId, 'itemId');
  if (idProblem) return { kind: 'invalid', reason: idProblem };
  const itemId = r.itemId as string;
  // Compaction keeps the latest record per key: a value filed under another key would never be replaced.
  if (key !== null && key.length > 0 && key.toString('utf8') !== itemId) return { kind: 'invalid', reason: `key does not match itemId ${itemId}` };
  const { ids, weights, mass } = r;
  if (!Array.isArray(ids) || !Array.isArray(weights)) return { kind: 'invalid', reason: 'ids and weights must be arrays' };
  if (ids.length !== weights.length) return { kind: 'invalid', reason: `ids (${ids.length}) and weights (${weights.length}) differ in length` };
  if (ids.length > MAX_NEIGHBOURS_PER_ROW) return { kind: 'invalid', reason: `more than ${MAX_NEIGHBOURS_PER_ROW} rules` };
  for (let i = 0; i < ids.length; i++) {
    const problem = validateId(ids[i], 'ids[]');
    if (problem) return { kind: 'invalid', reason: problem };
    const w: unknown = weights[i];
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) return { kind: 'invalid', reason: 'weights must be finite and positive' };
  }
  if (typeof mass !== 'number' || !Number.isFinite(mass) || mass < 0) return { kind: 'invalid', reason: 'mass must be a finite number ≥ 0' };
  const record: NeighbourRecord = {
    itemId,
    ids: ids as string[],
    weights: weights as number[],
    mass,
    updatedAtMs: typeof r.updatedAtMs === 'number' && Number.isFinite(r.updatedAtMs) ? r.updatedAtMs : 0,
  };
  const { forward, forwardMass } = r;
  if (forward !== undefined || forwardMass !== undefined) {
    if (!Array.isArray(forward) || forward.length !== ids.length) return { kind: 'invalid', reason: `forward must be an array as long as ids (${ids.length})` };
    for (let i = 0; i < forward.length; i++) {
      const f: unknown = forward[i];
      if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f > (weights[i] as number)) return { kind: 'invalid', reason: 'forward parts must be finite, ≥ 0 and at most their rule weight' };
    }
    if (typeof forwardMass !== 'number' || !Number.isFinite(forwardMass) || forwardMass < 0 || forwardMass > mass) return { kind: 'invalid', reason: 'forwardMass must be a finite number between 0 and mass' };
    record.forward = forward as number[];
    record.forwardMass = forwardMass;
  }
  return { kind: 'upsert', record };
}

/** As createItemEmbeddingsPublisher: pass `producer` to share one already connected (then not closed here). */
export async function createItemNeighboursPublisher(
  kafka: Kafka,
  config: Config,
  log: Logger,
  options: { producer?: EngineProducer } = {},
): Promise<ItemNeighboursPublisher> {
  const owned = options.producer === undefined;
  const producer = options.producer ?? (await connectProducer(kafka, config, log));
  const topic = config.topics.itemNeighbours;
  return {
    async publish(records) {
      const messages: Message[] = records.map((r) => ({ key: r.itemId, value: encodeItemNeighbours(r) }));
      await sendChunked(producer, topic, messages, config.kafka.requestTimeoutMs);
    },
    async close() {
      if (owned) await producer.disconnect();
    },
  };
}

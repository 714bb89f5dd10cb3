import type { Kafka, Message } from 'kafkajs';
import type { Config } from '../../config.ts';
import { validateId } from '../../core/events.ts';
import { vectorFromBytes, vectorToBytes } from '../../core/vector.ts';
import type { Logger } from '../../log.ts';
import { msgpack } from '../msgpack.ts';
import { unpackKeyedRecord } from './codec.ts';
import { connectProducer, sendChunked, type EngineProducer } from './producer.ts';
import type { ItemEmbeddingChange, ItemEmbeddingRecord, ItemEmbeddingsPublisher } from '../../core/ports.ts';

/**
 * The compacted item-embeddings topic: key itemId, value msgpack
 * `{ itemId, vector: Float32 LE bytes, modelVersion, updatedAtMs, source }`; a null
 * value (tombstone) removes the item. It is the replication log of the model: every
 * learner and API process tails it into its own index.
 */
export function encodeItemEmbedding(record: ItemEmbeddingRecord): Buffer {
  return msgpack.pack({
    itemId: record.itemId,
    vector: vectorToBytes(record.vector),
    modelVersion: record.modelVersion,
    updatedAtMs: record.updatedAtMs,
    source: record.source,
  });
}

export function decodeItemEmbedding(key: Buffer | null, value: Buffer | null): ItemEmbeddingChange {
  const unpacked = unpackKeyedRecord(key, value);
  if (unpacked.kind !== 'map') return unpacked;
  const r = unpacked.map;
  const idProblem = validateId(r.itemId, 'itemId');
  if (idProblem) return { kind: 'invalid', reason: idProblem };
  if (!(r.vector instanceof Uint8Array) || r.vector.byteLength === 0 || r.vector.byteLength % 4 !== 0) {
    return { kind: 'invalid', reason: 'vector must be non-empty Float32 bytes' };
  }
  const vector = vectorFromBytes(r.vector);
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i]!)) return { kind: 'invalid', reason: 'vector has a non-finite component' };
  }
  return {
    kind: 'upsert',
    record: {
      itemId: r.itemId as string,
      vector,
      modelVersion: typeof r.modelVersion === 'string' ? r.modelVersion : 'unknown',
      updatedAtMs: typeof r.updatedAtMs === 'number' ? r.updatedAtMs : 0,
      source: r.source === 'online' ? 'online' : 'train',
    },
  };
}

/**
 * `const pub = await createItemEmbeddingsPublisher(kafka, config, log); await pub.publish(records); await pub.close();`
 * Pass `producer` to share one already connected (the learner does); it is then not closed here.
 */
export async function createItemEmbeddingsPublisher(
  kafka: Kafka,
  config: Config,
  log: Logger,
  options: { producer?: EngineProducer } = {},
): Promise<ItemEmbeddingsPublisher> {
  const owned = options.producer === undefined;
  const producer = options.producer ?? (await connectProducer(kafka, config, log));
  const topic = config.topics.itemEmbeddings;
  const timeoutMs = config.kafka.requestTimeoutMs;
  return {
    async publish(records) {
      const messages: Message[] = records.map((r) => ({ key: r.itemId, value: encodeItemEmbedding(r) }));
      await sendChunked(producer, topic, messages, timeoutMs);
    },
    async remove(itemIds) {
      await sendChunked(producer, topic, itemIds.map((id) => ({ key: id, value: null })), timeoutMs);
    },
    async close() {
      if (owned) await producer.disconnect();
    },
  };
}

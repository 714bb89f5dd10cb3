import type { Consumer, Kafka } from 'kafkajs';
import { decodeRecommendationList } from '../../src/adapters/kafka/recommendations.ts';
import type { Config } from '../../src/config.ts';

export interface FreshnessSample {
  causedBy: string;
  /** List record timestamp (producer create time at the learner) − event ts. */
  toTopicMs: number;
  /** Seen by a downstream consumer − event ts. */
  toConsumerMs: number;
}

/** A downstream reader of the recommendations topic that records how old each list's event was. */
export async function startListReader(kafka: Kafka, config: Config, groupId: string): Promise<{ samples: FreshnessSample[]; stop(): Promise<void> }> {
  const samples: FreshnessSample[] = [];
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 20, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topics.recommendations, fromBeginning: false });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const seenAt = Date.now();
      if (!message.value) return;
      const list = decodeRecommendationList(message.value);
      samples.push({ causedBy: list.causedBy, toTopicMs: Number(message.timestamp) - list.eventTs, toConsumerMs: seenAt - list.eventTs });
    },
  });
  const deadline = Date.now() + 60_000;
  while (!joined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!joined) throw new Error('the recommendations reader did not join its group within 60 s');
  return { samples, stop: () => consumer.disconnect() };
}

import type { Message } from 'kafkajs';
import { msgpack } from '../msgpack.ts';

/** One fresh list for one user on the recommendations topic (msgpack, key userId). */
export interface RecommendationList {
  userId: string;
  items: Array<{ itemId: string; score: number; source: 'model' | 'trending' }>;
  modelVersion: string;
  recommendationId: string;
  /** eventId of the newest event that changed the user's state. */
  causedBy: string;
  eventTs: number;
  publishedAt: number;
}

export function toRecommendationMessage(list: RecommendationList): Message {
  return { key: list.userId, value: msgpack.pack(list) };
}

export function decodeRecommendationList(value: Buffer): RecommendationList {
  return msgpack.unpack(value) as RecommendationList;
}

import type { Message } from 'kafkajs';
import { msgpack } from '../msgpack.ts';
import type { RecommendationList } from '../../core/ports.ts';

export function toRecommendationMessage(list: RecommendationList): Message {
  return { key: list.userId, value: msgpack.pack(list) };
}

export function decodeRecommendationList(value: Buffer): RecommendationList {
  return msgpack.unpack(value) as RecommendationList;
}

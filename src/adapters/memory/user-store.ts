import type { UserStateStore } from '../../core/stores.ts';
import { isPastPosition, type UserState } from '../../core/user-state.ts';

/**
 * In-process twin of the Redis user store: same position rule, states copied in and out.
 * Its records are objects, so none is ever unreadable; quarantine still moves them aside.
 */
export function createMemoryUserStore(): UserStateStore & { readonly size: number } {
  const states = new Map<string, UserState>();
  const quarantined = new Map<string, UserState>();
  const getMany = async (userIds: readonly string[]) => {
    const out = new Map<string, UserState>();
    for (const id of userIds) {
      const s = states.get(id);
      if (s) out.set(id, structuredClone(s));
    }
    return out;
  };
  return {
    get size() {
      return states.size;
    },
    async get(userId) {
      return (await getMany([userId])).get(userId);
    },
    getMany,
    async quarantine(userIds) {
      for (const id of userIds) {
        const s = states.get(id);
        if (!s) continue;
        quarantined.set(id, s);
        states.delete(id);
      }
    },
    async commit(batch) {
      const written: string[] = [];
      for (const s of batch) {
        const stored = states.get(s.userId)?.position;
        if (s.position !== undefined && !isPastPosition(stored, s.position)) continue;
        states.set(s.userId, structuredClone(s));
        written.push(s.userId);
      }
      return written;
    },
  };
}

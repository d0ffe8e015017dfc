/**
 * Trending spikes as derived events: an item that enters the trending list (score at or above a
 * threshold) is announced once, then not again until it has left the list for a cooldown, so a
 * downstream consumer sees one event per spike rather than one per check.
 */
import type { TrendingItem } from '../../engine/index.js';

export interface TrendingSpike {
  type: 'trending_spike';
  /** Stream time of the check (epoch ms). */
  ts: number;
  item: string;
  category?: string;
  /** The trending z-score. */
  score: number;
  reason: string;
}

export interface SpikeOptions {
  /** How many trending items are watched. */
  k: number;
  /** z-score an item needs to be announced. */
  minScore: number;
  /** Stream time an item must stay out of the list before it can be announced again (ms). */
  cooldownMs: number;
}

export const DEFAULT_SPIKES: SpikeOptions = { k: 20, minScore: 4, cooldownMs: 60 * 60 * 1000 };

export class SpikeDetector {
  /** Item → stream time it was last seen in the list. */
  private readonly active = new Map<string, number>();

  constructor(readonly options: SpikeOptions = DEFAULT_SPIKES) {}

  /** Compares the current trending list with the last one; returns the new spikes. */
  check(
    trending: readonly Pick<TrendingItem, 'item' | 'category' | 'score' | 'reason'>[],
    now: number,
  ): TrendingSpike[] {
    const out: TrendingSpike[] = [];
    for (const r of trending) {
      if (r.score < this.options.minScore) continue;
      const last = this.active.get(r.item);
      if (last === undefined || now - last > this.options.cooldownMs) {
        const spike: TrendingSpike = {
          type: 'trending_spike',
          ts: now,
          item: r.item,
          score: r.score,
          reason: r.reason,
        };
        if (r.category !== undefined) spike.category = r.category;
        out.push(spike);
      }
      this.active.set(r.item, now);
    }
    // Forget items long gone so the map stays the size of the list, not of the catalogue.
    for (const [item, seen] of this.active)
      if (now - seen > this.options.cooldownMs) this.active.delete(item);
    return out;
  }
}

/**
 * Shared by the session remap tests: a SessionKnn that logs what it is given, the replay of that
 * log without the dropped ids (the oracle a compaction must equal), and a canonical form of a
 * model's state that ignores only what no answer depends on (where finished clicks sit in the
 * flat array, the order of a transition list).
 */
import type { IdKind } from '../../../engine/activity.js';
import {
  SessionKnn,
  type SessionKey,
  type SessionKnnParams,
} from '../../../engine/models/session-knn.js';

export type Op =
  | { op: 'click'; key: SessionKey; item: number }
  | { op: 'close'; key: SessionKey }
  | { op: 'add'; items: number[] };

/** A SessionKnn that records every session operation, so a test can replay them. */
export class LoggedKnn extends SessionKnn {
  readonly log: Op[] = [];

  override addClick(sessionKey: SessionKey, item: number): void {
    this.log.push({ op: 'click', key: sessionKey, item });
    super.addClick(sessionKey, item);
  }

  override closeSession(sessionKey: SessionKey): void {
    this.log.push({ op: 'close', key: sessionKey });
    super.closeSession(sessionKey);
  }

  override addSession(items: ArrayLike<number>): number {
    this.log.push({ op: 'add', items: Array.from(items) });
    return super.addSession(items);
  }
}

/** A session key in the new numbering (SessionFeed's convention), undefined when dropped. */
export function newKey(kind: IdKind, map: Uint32Array, key: SessionKey): SessionKey | undefined {
  if (typeof key !== 'number') return key;
  if (kind === 'session' && key > 0) return map[key] === 0 ? undefined : map[key];
  if (kind === 'user' && key < 0) return map[-key] === 0 ? undefined : -map[-key]!;
  return key;
}

/**
 * The oracle: the state that the logged operations make without what the compaction drops, in
 * the new ids, built by a plain simulation and restored into a fresh model. A session keeps its
 * place from its first click, kept or not; one none of whose clicks are kept never existed.
 */
export function replay(
  log: readonly Op[],
  kind: IdKind,
  map: Uint32Array,
  params: Partial<SessionKnnParams>,
): SessionKnn {
  const item = (i: number): number => (kind === 'item' ? map[i]! : i);
  type Stored = { key: SessionKey; items: number[]; live: boolean };
  const sessions: Stored[] = [];
  // Every kept click: its session, its item and its place in the session.
  const clicks: [Stored, number, number][] = [];
  const live = new Map<SessionKey, number>();
  for (const o of log) {
    if (o.op === 'add') {
      const x: Stored = { key: 0, items: [], live: false };
      sessions.push(x);
      for (const it of o.items.map(item).filter((i) => i !== 0)) {
        clicks.push([x, it, x.items.length]);
        x.items.push(it);
      }
      continue;
    }
    const key = newKey(kind, map, o.key);
    if (key === undefined) continue;
    const at = live.get(key);
    if (o.op === 'close') {
      if (at !== undefined) sessions[at]!.live = false;
      live.delete(key);
      continue;
    }
    if (at === undefined) {
      live.set(key, sessions.length);
      sessions.push({ key, items: [], live: true });
    }
    const it = item(o.item);
    if (it === 0) continue;
    const x = sessions[live.get(key)!]!;
    clicks.push([x, it, x.items.length]);
    x.items.push(it);
  }
  const kept = sessions.filter((x) => x.items.length > 0);
  const ids = new Map(kept.map((x, id) => [x, id]));
  // The item lists and transitions those sessions make, click by click in the order of the log:
  // a session is listed under an item unless it is the last one listed there.
  const lists: number[][] = [];
  const steps = new Map<number, Map<number, number>>();
  for (const [x, it, i] of clicks) {
    const id = ids.get(x);
    if (id === undefined) continue;
    while (lists.length <= it) lists.push([]);
    const list = lists[it]!;
    if (list[list.length - 1] !== id) list.push(id);
    if (i === 0) continue;
    const a = x.items[i - 1]!;
    const m = steps.get(a) ?? new Map<number, number>();
    m.set(it, (m.get(it) ?? 0) + 1);
    steps.set(a, m);
  }
  const flat: number[] = [];
  const offset = kept.map((x) => {
    const o = flat.length;
    if (!x.live) flat.push(...x.items);
    return x.live ? 0 : o;
  });
  const liveNum = kept.flatMap((x, id) => (x.live && typeof x.key === 'number' ? [id] : []));
  const liveStr = kept.flatMap((x, id) => (x.live && typeof x.key === 'string' ? [id] : []));
  const degree: number[] = [];
  const total: number[] = [];
  const pairs: number[] = [];
  const maxA = Math.max(-1, ...steps.keys());
  for (let a = 0; a <= maxA; a++) {
    const m = steps.get(a) ?? new Map<number, number>();
    degree.push(m.size);
    total.push([...m.values()].reduce((x, y) => x + y, 0));
    for (const [b, c] of m) pairs.push(b, c);
  }
  return SessionKnn.fromState(params, {
    sessions: {
      len: Uint32Array.from(kept, (x) => x.items.length),
      offset: Uint32Array.from(offset),
      flat: Uint32Array.from(flat),
      liveNumberKeys: Float64Array.from(liveNum, (id) => kept[id]!.key as number),
      liveNumberIds: Uint32Array.from(liveNum),
      liveStringKeys: liveStr.map((id) => kept[id]!.key as string),
      liveStringIds: Uint32Array.from(liveStr),
      liveItems: Uint32Array.from([...liveNum, ...liveStr].flatMap((id) => kept[id]!.items)),
      keys: Float64Array.from(kept, (x) => (typeof x.key === 'number' ? x.key : 0)),
    },
    itemSessions: {
      lengths: Uint32Array.from(lists, (l) => l.length),
      values: Uint32Array.from(lists.flat()),
    },
    transitions: {
      degree: Uint32Array.from(degree),
      total: Float64Array.from(total),
      pairs: Uint32Array.from(pairs),
    },
  });
}

/** The model's content, in a form two models that answer alike share. */
export function canonical(model: SessionKnn) {
  const { sessions: s, itemSessions, transitions: t } = model.exportState();
  const live = new Map<number, { key: SessionKey; items: number[] }>();
  let at = 0;
  const liveKeys: SessionKey[] = [...s.liveNumberKeys, ...s.liveStringKeys];
  const liveIds = [...s.liveNumberIds, ...s.liveStringIds];
  liveIds.forEach((id, i) => {
    live.set(id, { key: liveKeys[i]!, items: [...s.liveItems.subarray(at, at + s.len[id]!)] });
    at += s.len[id]!;
  });
  const sessions = [...s.len].map((n, id) => ({
    key: s.keys?.[id],
    live: live.get(id)?.key,
    items: live.get(id)?.items ?? [...s.flat.subarray(s.offset[id]!, s.offset[id]! + n)],
  }));
  const steps: string[] = [];
  let p = 0;
  t.degree.forEach((d, a) => {
    for (let i = 0; i < d; i++, p += 2) steps.push(`${a}>${t.pairs[p]}:${t.pairs[p + 1]}`);
  });
  steps.sort();
  return {
    sessions,
    itemSessions: { lengths: [...itemSessions.lengths], values: [...itemSessions.values] },
    steps,
  };
}

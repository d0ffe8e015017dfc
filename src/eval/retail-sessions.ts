/**
 * Online Retail's invoices as session data, for checking that what is tuned on one shop's
 * history holds on another's: each invoice is a session (its first 20 products in line order, a
 * product once: wholesale invoices run to hundreds of lines, far longer than a browsing session,
 * and a case per line would make the long ones most of the evaluation), invoices in time order, the last tenth of them the test part, whose cases are built as
 * SR-GNN builds Diginetica's (products unseen in training dropped, sessions left shorter than 2
 * dropped, prefix → next product).
 */
import { onlineRetailFile, readOnlineRetailRows } from '../datasets/online-retail.js';
import { casesFromSessions, type SessionSplit } from './session-data.js';

/** Products kept per invoice. */
const MAX_LENGTH = 20;

export async function retailSessions(data: string, testShare = 0.1): Promise<SessionSplit> {
  const invoices = new Map<string, { ts: number; items: number[] }>();
  const ids = new Map<string, number>();
  for await (const { mapped } of readOnlineRetailRows(onlineRetailFile(data))) {
    if (typeof mapped === 'string' || mapped.order === undefined) continue;
    let id = ids.get(mapped.item);
    if (id === undefined) ids.set(mapped.item, (id = ids.size + 1));
    let invoice = invoices.get(mapped.order);
    if (invoice === undefined) invoices.set(mapped.order, (invoice = { ts: mapped.ts, items: [] }));
    if (invoice.items.length < MAX_LENGTH && !invoice.items.includes(id)) invoice.items.push(id);
  }
  // Stable: invoices of the same minute keep their file order.
  const sessions = [...invoices.values()]
    .filter((s) => s.items.length >= 2)
    .sort((a, b) => a.ts - b.ts)
    .map((s) => s.items);
  const cut = Math.floor(sessions.length * (1 - testShare));
  const train = sessions.slice(0, cut);
  const known = new Set<number>();
  for (const s of train) for (const item of s) known.add(item);
  const held: number[][] = [];
  for (const s of sessions.slice(cut)) {
    const kept = s.filter((item) => known.has(item));
    if (kept.length >= 2) held.push(kept);
  }
  return { train, cases: casesFromSessions(held) };
}

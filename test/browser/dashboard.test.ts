/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the built
 * CLI's demo. A still demo (no live events) for what must equal the API and for the layouts; a
 * live one for filling within 3 s while the stream flows.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBuyer, freePort, getJson, launchBrowser, startDemo, type Demo } from './support.js';

const OVERVIEW = ['now', 'trending', 'funnel', 'alerts'] as const;

let browser: Browser;
let still: Demo;

beforeAll(async () => {
  browser = await launchBrowser();
  still = await startDemo(['--rate', '0', '--warmup', '100000', '--retrain-every', '0']);
});

afterAll(async () => {
  await browser?.close();
  await still?.stop();
});

/** A page that records console errors and uncaught exceptions. */
async function open(url: string, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // The console says only "Failed to load resource"; the URL says which.
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(url);
  return { page, errors };
}

function ready(page: Page, panel: string, timeout = 10_000) {
  return page.waitForSelector(`section[data-panel="${panel}"][data-state="ready"]`, { timeout });
}

describe('dashboard', () => {
  it('fills every overview panel within 3 s on the live demo, without console errors', async () => {
    const live = await startDemo(['--rate', '500', '--warmup', '100000']);
    try {
      for (const path of ['/', '/dashboard']) {
        const started = Date.now();
        const { page, errors } = await open(live.url + path);
        for (const panel of OVERVIEW) await ready(page, panel, 3_000);
        expect(Date.now() - started).toBeLessThan(3_000);
        // A few refreshes of the live figures, still without errors.
        await page.waitForTimeout(4_500);
        for (const panel of OVERVIEW) {
          expect(await page.getAttribute(`section[data-panel="${panel}"]`, 'data-state')).toBe(
            'ready',
          );
        }
        expect(errors).toEqual([]);
        await page.close();
      }
    } finally {
      await live.stop();
    }
  });

  it('shows the same numbers as the API', async () => {
    const { page, errors } = await open(still.url + '/');
    for (const panel of OVERVIEW) await ready(page, panel);
    const stats = await getJson<{ events: { total: number } }>(`${still.url}/v1/stats`);
    expect(await page.textContent('[data-metric="events-total"]')).toBe(String(stats.events.total));
    const trending = await getJson<{ items: { item: string; score: number }[] }>(
      `${still.url}/v1/analytics/trending?k=10`,
    );
    const shown = await page.$$eval('section[data-panel="trending"] a[data-item]', (as) =>
      as.map((a) => a.getAttribute('data-item')),
    );
    expect(shown).toEqual(trending.items.map((t) => t.item));
    expect(shown.length).toBeGreaterThan(0);
    const scores = await page.$$eval('section[data-panel="trending"] [data-score]', (els) =>
      els.map((e) => Number.parseFloat(e.textContent ?? '')),
    );
    scores.forEach((s, i) => expect(s).toBeCloseTo(trending.items[i]!.score, 1));
    // The funnel's steps over the window chosen (1 hour at first), and its chart.
    const funnel = await getJson<{ views: number; carts: number; purchases: number }>(
      `${still.url}/v1/analytics/funnel?window=1h`,
    );
    for (const step of ['views', 'carts', 'purchases'] as const) {
      const text = await page.textContent(`[data-metric="funnel-${step}"]`);
      expect(Number(text!.replace(/,/g, '')), step).toBe(funnel[step]);
    }
    await page.waitForSelector('[data-chart="funnel"] canvas');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists an item in trending once a burst of views for it arrives', async () => {
    const { page, errors } = await open(still.url + '/');
    await ready(page, 'trending');
    const stats = await getJson<{ streamTime: number }>(`${still.url}/v1/stats`);
    const item = 'sku-2345';
    const before = await getJson<{ items: { item: string }[] }>(
      `${still.url}/v1/analytics/trending?k=10`,
    );
    expect(before.items.map((t) => t.item)).not.toContain(item);
    const burst = Array.from({ length: 150 }, (_, i) => ({
      type: 'view',
      ts: stats.streamTime,
      item,
      user: `u-burst-${i}`,
      session: `s-burst-${i}`,
    }));
    const res = await fetch(`${still.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(burst),
    });
    expect(res.status).toBe(200);
    await page.waitForSelector(`section[data-panel="trending"] a[data-item="${item}"]`, {
      timeout: 12_000,
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("navigates from trending to an item's page and to a shopper's page", async () => {
    const { page, errors } = await open(still.url + '/');
    await ready(page, 'trending');
    const first = page.locator('section[data-panel="trending"] a[data-item]').first();
    const item = (await first.getAttribute('data-item'))!;
    await first.click();
    await ready(page, 'item');
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/item/${item}`);
    const report = await getJson<{ level: number | null }>(
      `${still.url}/v1/inventory/${encodeURIComponent(item)}`,
    );
    expect(await page.textContent('[data-metric="stock"]')).toBe(String(report.level ?? 0));
    const similar = await getJson<{ items: { item: string }[] }>(
      `${still.url}/v1/items/${encodeURIComponent(item)}/similar`,
    );
    const listed = await page.$$eval('[data-list="similar"] a[data-item]', (as) =>
      as.map((a) => a.getAttribute('data-item')),
    );
    expect(listed.length).toBeGreaterThan(0);
    expect(listed[0]).toBe(similar.items[0]!.item);
    // The price for profit, as the API gives it (the demo assumes a 35% margin).
    const rec = await getJson<{ refused?: string; recommended?: { price: number } }>(
      `${still.url}/v1/items/${encodeURIComponent(item)}/price/recommendation`,
    );
    expect(await page.textContent('[data-metric="price-recommended"]')).toBe(
      rec.refused !== undefined ? 'none' : rec.recommended!.price.toFixed(2),
    );

    // A shopper who bought: the page lists the history as the API does, and the segment.
    const user = await findBuyer(still.url);
    const buyers = await getJson<{ items: { item: string }[] }>(
      `${still.url}/v1/users/${user}/history?limit=20`,
    );
    const segment = await getJson<{ segment: string }>(`${still.url}/v1/users/${user}/segment`);
    await page.fill('input[name="user-id"]', user);
    await page.press('input[name="user-id"]', 'Enter');
    await ready(page, 'shopper');
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/user/${user}`);
    expect(await page.textContent('[data-metric="segment"]')).toBe(segment.segment);
    const history = await page.$$eval('[data-list="history"] a[data-item]', (as) =>
      as.map((a) => a.getAttribute('data-item')),
    );
    expect(history).toEqual(buyers.items.map((h) => h.item));
    const again = await getJson<{ items: { item: string }[] }>(
      `${still.url}/v1/users/${user}/buy-again?k=10`,
    );
    const againShown = await page.$$eval('[data-list="buy-again"] a[data-item]', (as) =>
      as.map((a) => a.getAttribute('data-item')),
    );
    expect(againShown).toEqual(again.items.map((r) => r.item));
    expect(
      await page.locator('[data-list="recommendations"] a[data-item]').count(),
    ).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('filters the alerts by type, as the API lists them', async () => {
    const { page, errors } = await open(still.url + '/');
    await ready(page, 'alerts');
    const all = await getJson<{ byType: Record<string, number> }>(
      `${still.url}/v1/inventory/alerts?limit=1`,
    );
    const [type, open_] = Object.entries(all.byType).sort((a, b) => b[1] - a[1])[0]!;
    expect(open_).toBeGreaterThan(0);
    await page.selectOption('select[name="alert-type"]', type);
    const api = await getJson<{ alerts: { item: string }[] }>(
      `${still.url}/v1/inventory/alerts?limit=200&type=${type}`,
    );
    // The newest first on the page, oldest first in the API.
    const wanted = api.alerts.map((a) => a.item).reverse();
    await page.waitForFunction(
      (n) => document.querySelectorAll('tr[data-alert-type]').length === n,
      wanted.length,
    );
    const rows = await page.$$eval('tr[data-alert-type]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-alert-type'), tr.querySelector('a')?.dataset.item]),
    );
    expect(rows.map((r) => r[0])).toEqual(wanted.map(() => type));
    expect(rows.map((r) => r[1])).toEqual(wanted);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('asks for an API key where reads need one, and keeps the key it is given', async () => {
    const key = 'dashboard-reader-0123456789';
    const locked = await startDemo(
      ['--rate', '0', '--warmup', '20000', '--retrain-every', '0', '--auth-reads'],
      { env: { AISLE_API_KEYS: `${key}:read` } },
    );
    try {
      const page = await browser.newPage();
      await page.goto(locked.url + '/');
      await page.waitForSelector('#conn[data-conn="auth"]');
      await page.waitForSelector('section[data-panel="now"][data-state="error"]');
      expect(await page.isVisible('#banner')).toBe(true);
      await page.fill('input[name="api-key"]', key);
      await page.press('input[name="api-key"]', 'Enter');
      for (const panel of OVERVIEW) await ready(page, panel);
      expect(await page.getAttribute('#conn', 'data-conn')).toBe('live');
      expect(await page.isVisible('#banner')).toBe(false);
      // Kept in the browser: a reload needs no typing.
      await page.reload();
      for (const panel of OVERVIEW) await ready(page, panel);
      expect(await page.inputValue('input[name="api-key"]')).toBe(key);
      await page.close();
    } finally {
      await locked.stop();
    }
  });

  it('keeps working when the engine restarts', async () => {
    const port = String(await freePort());
    const args = ['--rate', '0', '--warmup', '20000', '--retrain-every', '0', '--port', port];
    let demo = await startDemo(args);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(demo.url + '/');
      for (const panel of OVERVIEW) await ready(page, panel);
      await demo.stop();
      await page.waitForSelector('#conn[data-conn="reconnecting"]', { timeout: 10_000 });
      await page.waitForSelector('section[data-panel="now"][data-state="error"]');
      demo = await startDemo(args);
      await page.waitForSelector('#conn[data-conn="live"]', { timeout: 15_000 });
      for (const panel of OVERVIEW) await ready(page, panel, 15_000);
      const stats = await getJson<{ events: { total: number } }>(`${demo.url}/v1/stats`);
      await page.waitForFunction(
        (n) => document.querySelector('[data-metric="events-total"]')?.textContent === n,
        String(stats.events.total),
      );
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await demo.stop();
    }
  });

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    it(`lays out without overlap or sideways scrolling at ${viewport.width}×${viewport.height}`, async () => {
      const { page, errors } = await open(still.url + '/', viewport);
      for (const panel of OVERVIEW) await ready(page, panel);
      const layout = await page.evaluate(() => {
        const boxes = [...document.querySelectorAll('section[data-panel]')].map((s) => {
          const r = s.getBoundingClientRect();
          return {
            name: s.getAttribute('data-panel'),
            l: r.left,
            t: r.top,
            r: r.right,
            b: r.bottom,
          };
        });
        return {
          boxes,
          scrollWidth: document.documentElement.scrollWidth,
          width: window.innerWidth,
        };
      });
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
      for (const [i, a] of layout.boxes.entries()) {
        expect(a.r - a.l, `${a.name} has no width`).toBeGreaterThan(0);
        expect(a.r, `${a.name} runs past the window`).toBeLessThanOrEqual(layout.width + 0.5);
        for (const b of layout.boxes.slice(i + 1)) {
          const overlap = a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
          expect(overlap, `${a.name} overlaps ${b.name}`).toBe(false);
        }
      }
      // The item's and a shopper's pages fit the width too: nothing scrolls sideways.
      const item = await page.getAttribute(
        'section[data-panel="trending"] a[data-item]',
        'data-item',
      );
      const user = await findBuyer(still.url);
      for (const [hash, panel] of [
        [`#/item/${encodeURIComponent(item!)}`, 'item'],
        [`#/user/${user}`, 'shopper'],
      ] as const) {
        await page.evaluate((h) => (location.hash = h), hash);
        await ready(page, panel);
        const fit = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          width: window.innerWidth,
        }));
        expect(fit.scrollWidth, panel).toBeLessThanOrEqual(fit.width);
      }
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

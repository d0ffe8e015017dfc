/**
 * Screenshots of the dashboard for the docs: the built CLI's demo (its default warm-up, then a
 * modest live rate so that the figures move) in Debian's Chromium through playwright-core.
 *
 *   npm run build && node dist/bench/screenshots.js [out dir, default docs/dashboard]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs/dashboard'));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function demoUrl(): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(
    process.execPath,
    [path.join(root, 'dist/src/cli/main.js'), 'serve', '--demo', '--port', '0', '--rate', '300'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(text);
      // The factor model trains after start-up; shoppers' pictures want it.
      if (m !== null && text.includes('factor model:')) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${text}`)));
  });
  return { url, stop: () => proc.kill('SIGKILL') };
}

/** The first of u-0..u-499 with a purchase, so that every list of the shopper's page fills. */
async function buyer(url: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const res = await fetch(`${url}/v1/users/u-${i}/history?limit=200`);
    const body = (await res.json()) as { items: { bought: boolean }[] };
    if (body.items.some((e) => e.bought)) return `u-${i}`;
  }
  throw new Error('no buyer among u-0..u-499');
}

async function shoot(page: Page, url: string, panels: string[], file: string): Promise<void> {
  await page.goto(url);
  for (const p of panels) {
    await page.waitForSelector(`section[data-panel="${p}"][data-state="ready"]`, {
      timeout: 15_000,
    });
  }
  // Two polls of the figures, so that rates show; charts draw on the frame after their data.
  await page.waitForTimeout(4_500);
  await page.screenshot({ path: path.join(out, file), fullPage: true });
  console.log(`wrote ${path.relative(root, path.join(out, file))}`);
}

const demo = await demoUrl();
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  fs.mkdirSync(out, { recursive: true });
  const overview = ['now', 'trending', 'funnel', 'alerts'];
  const wide = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await shoot(wide, `${demo.url}/`, overview, 'overview.png');
  const item = await wide.getAttribute('section[data-panel="trending"] a[data-item]', 'data-item');
  await shoot(
    wide,
    `${demo.url}/#/item/${encodeURIComponent(item ?? 'sku-1')}`,
    ['item'],
    'item.png',
  );
  await shoot(wide, `${demo.url}/#/user/${await buyer(demo.url)}`, ['shopper'], 'shopper.png');
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await shoot(phone, `${demo.url}/`, overview, 'overview-phone.png');
} finally {
  await browser.close();
  demo.stop();
}

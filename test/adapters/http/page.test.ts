import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserState } from '../../../src/core/user-state.ts';
import { createFixture, NOW_MS, type Fixture } from './fixture.ts';
import { itemHash } from '../../../src/core/item-hash.ts';

const CHROMIUM = '/usr/bin/chromium';
let f: Fixture;
let browser: BrowserContext;
let baseUrl: string;
const profileDir = mkdtempSync(join(tmpdir(), 'streamrec-chromium-'));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser test needs Debian chromium at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\``);
  }
  f = await createFixture();
  baseUrl = await f.app.listen({ host: '127.0.0.1', port: 0 });
  // A persistent context on a fresh directory is playwright's way to pass --user-data-dir.
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

describe('the page at /', () => {
  it('shows a user, their recommendations and the map, and follows new events live', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // Failed loads (a missing favicon, a script) show up as console errors, not page errors.
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    // A promotion on alice's tenth item: the page shows it first, labelled.
    const before = (await (await fetch(`${baseUrl}/v1/users/alice/recommendations?k=10`)).json()) as { items: Array<{ itemId: string }> };
    const promoted = before.items[9]!.itemId;
    await f.catalog.put({ itemId: promoted, available: true, updatedAtMs: NOW_MS, boost: 1 });
    await page.goto(`${baseUrl}/`);
    await page.fill('#user', 'alice');
    await page.click('button[type=submit]');

    const recs = page.locator('#recs li[data-item-id]');
    await recs.first().waitFor({ timeout: 10_000 });
    expect(await recs.count()).toBe(10);
    const shown = await recs.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-item-id')));
    const api = (await (await fetch(`${baseUrl}/v1/users/alice/recommendations?k=10`)).json()) as { items: Array<{ itemId: string }> };
    expect(shown).toEqual(api.items.map((i) => i.itemId));
    expect(shown[0]).toBe(promoted);
    expect(await recs.first().locator('.tag.promoted').textContent()).toBe('promoted');
    expect(await page.locator('#recs .tag.promoted').count()).toBe(1);
    await f.catalog.put({ itemId: promoted, available: true, updatedAtMs: NOW_MS + 1 });
    await expect.poll(() => page.textContent('#map-note')).toMatch(/40 of 40 items/);
    expect(await page.textContent('#history')).toContain('i4');
    expect(await page.textContent('#status')).toMatch(/running · 40 items · model v-test/);

    // A new event learned for alice: the page picks it up without a reload.
    const next = createUserState('alice', 4);
    next.vector.set([0, 0, 1, 0]);
    next.eventCount = 4;
    next.lastEventTs = NOW_MS;
    next.updatedAtMs = NOW_MS + 1000;
    next.history = [{ itemId: 'i6', type: 'purchase', ts: NOW_MS }];
    next.seen = [itemHash('i6')];
    await f.users.commit([next]);
    await expect.poll(() => page.textContent('#history'), { timeout: 10_000 }).toContain('i6');
    await expect
      .poll(async () => recs.evaluateAll((lis) => lis.slice(0, 9).map((li) => Number(li.getAttribute('data-item-id')!.slice(1)) % 4)), {
        timeout: 10_000,
      })
      .toEqual(Array(9).fill(2)); // the 9 unseen axis-2 items come first

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/page.png', fullPage: true });
    expect(existsSync('test-results/page.png')).toBe(true);
    expect(errors).toEqual([]);
  });
});

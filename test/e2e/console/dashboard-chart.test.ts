import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { OWNER_TOKEN } from '../../support/collector.js';
import { chromiumMissing, ownerConsoleSuite, screenshot, signIn } from './browser.js';

type Box = { x: number; y: number; width: number; height: number };

/**
 * A time zone whose local hour is 03 now: the last six-hour bar of the week starts at local
 * midnight, so it carries a day label (the longest, "Wed, Dec 2") at the chart's right edge,
 * with three hours to spare either way; an hourly bar at 03:00 is labelled too.
 */
function zoneAtThreeInTheMorning(now = new Date()): string {
  let east = 3 - now.getUTCHours();
  if (east < -12) east += 24;
  // Etc/GMT names count west of UTC as positive.
  return east === 0 ? 'Etc/GMT' : `Etc/GMT${east > 0 ? '-' : '+'}${Math.abs(east)}`;
}

/** Every text of the chart (axis labels) and the chart's own box, as Chromium laid them out. */
async function chartBoxes(page: Page, bars: string): Promise<{ chart: Box; labels: { text: string; box: Box }[] }> {
  // The chart of this range, not the one the page showed before.
  const chart = page.locator(`svg.chart[aria-label^="Sign-ins per ${bars},"]`);
  await chart.waitFor();
  const chartBox = await chart.boundingBox();
  assert.ok(chartBox, 'the chart is laid out');
  const labels = [];
  for (const text of await chart.locator('text').all()) {
    const box = await text.boundingBox();
    assert.ok(box, `label ${await text.textContent()} is laid out`);
    labels.push({ text: (await text.textContent()) ?? '', box });
  }
  return { chart: chartBox, labels };
}

/** The dashboard's sign-ins chart: every axis label lies inside the chart, the last one at its right edge included. */
describe.skipIf(chromiumMissing)('console: the dashboard chart keeps its axis labels inside it', () => {
  // Its own page per width and time zone, from the suite's browser.
  const suite = ownerConsoleSuite();

  for (const width of [1280, 1920, 800]) {
    it(`at ${width} px, for a week and for a day`, async () => {
      const context = await suite.browser.newContext({
        viewport: { width, height: 900 },
        locale: 'en-US',
        timezoneId: zoneAtThreeInTheMorning(),
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      try {
        await signIn(page, suite.c.url, OWNER_TOKEN);
        for (const [range, bars] of [
          ['7d', '6 hours'],
          ['24h', 'one hour'],
        ] as const) {
          await page.goto(`${suite.c.url}/console/#/dashboard${range === '7d' ? '' : `?range=${range}`}`);
          const { chart, labels } = await chartBoxes(page, bars);
          if (range === '7d') {
            // The case that was cut off: a day label under the last bar, at the right edge.
            const rightmost = labels.reduce((a, b) => (b.box.x + b.box.width > a.box.x + a.box.width ? b : a));
            assert.match(rightmost.text, /^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}$/, `the last bar's label: ${rightmost.text}`);
            assert.ok(rightmost.box.x + rightmost.box.width > chart.x + chart.width * 0.9, `${rightmost.text} is at the right edge`);
          }
          for (const { text, box } of labels) {
            const inside =
              box.x >= chart.x - 0.5 &&
              box.y >= chart.y - 0.5 &&
              box.x + box.width <= chart.x + chart.width + 0.5 &&
              box.y + box.height <= chart.y + chart.height + 0.5;
            assert.ok(inside, `${range} at ${width} px: "${text}" at ${JSON.stringify(box)} outside the chart at ${JSON.stringify(chart)}`);
          }
          await screenshot(page, `dashboard-chart-${range}-${width}`);
        }
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});

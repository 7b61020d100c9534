// front-page.mjs — the front page in real headless Chromium, phone-sized:
// it loads, calls /api/health, and shows the result in Chinese.
//
//   PLAYWRIGHT_CORE=.../node_modules/playwright-core node front-page.mjs BASE_URL SCREENSHOT.png
//
// playwright-core is installed by ./bootstrap, outside the source files, so
// it is imported from the path the test harness gives.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { chromium } = await import(pathToFileURL(path.join(process.env.PLAYWRIGHT_CORE, 'index.mjs')).href);

const [baseUrl, screenshot] = process.argv.slice(2);
let failures = 0;
let checks = 0;
function check(what, ok, detail = '') {
  checks++;
  if (!ok) {
    failures++;
    console.error(`FAIL: ${what}${detail ? ': ' + detail : ''}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  // A phone: 390 x 844, touch, high density.
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  const healthReply = page.waitForResponse((r) => r.url().endsWith('/api/health'));
  const response = await page.goto(baseUrl + '/', { waitUntil: 'load' });
  check('front page answers 200', response.status() === 200, String(response.status()));
  check('page language is zh-CN', (await page.getAttribute('html', 'lang')) === 'zh-CN');
  check('title is Chinese', (await page.title()).includes('清风'), await page.title());

  const reply = await healthReply;
  check('the page called /api/health', reply.status() === 200, String(reply.status()));

  const summary = page.locator('#health-summary');
  await summary.filter({ hasText: '服务运行正常' }).waitFor({ timeout: 5000 })
    .catch(() => {});
  check('health shown in Chinese', (await summary.textContent()) === '服务运行正常',
    await summary.textContent());
  check('database shown as 正常', (await page.textContent('#health-db')) === '正常');
  check('schema version shown', /^\d+$/.test(await page.textContent('#health-schema')));
  check('model state shown', (await page.textContent('#health-model')).includes('尚未训练'));

  // The re-check button works (a second request is made and the result stays).
  const again = page.waitForResponse((r) => r.url().endsWith('/api/health'));
  await page.click('#health-refresh');
  check('re-check calls the API again', (await again).status() === 200);

  // Phone-sized: nothing overflows sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('no horizontal overflow on a phone', overflow <= 0, `${overflow}px`);
  check('no console errors (CSP included)', consoleErrors.length === 0, consoleErrors.join(' | '));

  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await browser.close();
}
console.log(`front-page: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

// supervisor.mjs — the supervisor's pages in real headless Chromium, on a
// simulated cohort: demo-supervisor logs in through login.html and lands on
// /supervisor/; the lift chart is drawn (a canvas inside its container with
// painted pixels), the rates on the page are the API's, the personalised
// rate is above control and the difference's 95% CI is shown; the unit table
// drills down to a unit (the figures follow the API for that unit) and on to
// a person, whose record lists the completed items and draws the mastery
// chart; the export buttons download a CSV (UTF-8 BOM) and an XLSX (a zip);
// nothing overflows at 390px and the 1280px desktop lays out; a cadre sent to
// /supervisor/ is refused in Chinese; no console errors (the CSP would report
// inline script or style there).
//
//   PLAYWRIGHT_CORE=.../playwright-core node supervisor.mjs BASE_URL SHOT_DIR WORK_DIR
//
// The expected texts are formatted here from the API's numbers, not taken
// from the page's own code.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { chromium } = await import(pathToFileURL(path.join(process.env.PLAYWRIGHT_CORE, 'index.mjs')).href);

const [baseUrl, shotDir, workDir] = process.argv.slice(2);
let failures = 0;
let checks = 0;
function check(what, ok, detail = '') {
  checks++;
  if (!ok) {
    failures++;
    console.error(`FAIL: ${what}${detail ? ': ' + detail : ''}`);
  }
  return ok;
}
const shot = (page, name, fullPage = true) =>
  (shotDir ? page.screenshot({ path: path.join(shotDir, name), fullPage }) : null);
const CHINESE = /[\u4e00-\u9fff]/;
const pct = (v) => `${(Number(v) * 100).toFixed(1)}%`;

async function noOverflow(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`no horizontal overflow at ${page.viewportSize().width}px on ${where}`, overflow <= 0, `${overflow}px`);
}

async function apiJson(page, pathAndQuery) {
  const reply = await page.request.get(baseUrl + pathAndQuery);
  check(`GET ${pathAndQuery} answers 200`, reply.status() === 200, String(reply.status()));
  return reply.status() === 200 ? reply.json() : {};
}

// The chart in 'selector' is drawn: a canvas with a size and with painted
// (not blank) pixels. Returns the share of painted pixels.
async function chartDrawn(page, selector, what) {
  await page.locator(`${selector}[data-drawn="true"]`).waitFor({ timeout: 10000 })
    .catch(() => check(`${what}: ECharts reports the chart finished`, false));
  const painted = await page.evaluate((sel) => {
    const canvas = document.querySelector(`${sel} canvas`);
    if (!canvas || !canvas.width || !canvas.height) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) n++;
    }
    return n / (canvas.width * canvas.height);
  }, selector);
  check(`${what}: a canvas inside the chart container`, painted >= 0, 'no canvas');
  check(`${what}: the canvas is painted`, painted > 0.01, `${(painted * 100).toFixed(2)}% of pixels`);
  return painted;
}

async function loaded(page) {
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15000 })
    .catch(async () => check('the page loads its data', false, (await page.textContent('#page-notice')) || ''));
}

const kpiText = (page, key) => page.textContent(`#kpis [data-key="${key}"] .kpi-value`).catch(() => '');

// The overview and lift figures on the page against the API's for the same filters.
async function figuresMatch(page, query, where) {
  const overview = await apiJson(page, `/api/supervisor/overview${query}`);
  const lift = await apiJson(page, `/api/supervisor/lift${query}`);
  check(`${where}: cadres as the API`, (await kpiText(page, 'cadres')) === String(overview.cadres),
    `${await kpiText(page, 'cadres')} vs ${overview.cadres}`);
  for (const key of ['completion_rate', 'participation_rate', 'pass_rate']) {
    const shown = await kpiText(page, key);
    check(`${where}: ${key} as the API`, shown === pct(overview[key]), `${shown} vs ${overview[key]}`);
  }
  const personalised = lift.arms && lift.arms.personalised;
  const control = lift.arms && lift.arms.control;
  if (check(`${where}: the API gives both arms`, personalised && control, JSON.stringify(lift.arms || null))) {
    const p = await page.textContent('#lift-personalised .lift-value');
    const c = await page.textContent('#lift-control .lift-value');
    check(`${where}: personalised rate as the API`, p === pct(personalised.rate), `${p} vs ${personalised.rate}`);
    check(`${where}: control rate as the API`, c === pct(control.rate), `${c} vs ${control.rate}`);
  }
  return { overview, lift };
}

// Rows of the unit table are highlighted exactly when a unit warning names
// that unit. Returns how many were.
async function unitsHighlighted(page, warnings, where) {
  const warned = new Set(warnings.filter((w) => w.user_id === null).map((w) => String(w.unit_id)));
  const rows = await page.locator('#units tr[data-own="false"]').evaluateAll((trs) => trs.map((r) => ({
    id: r.dataset.unitId, warn: r.classList.contains('row-warn') })));
  for (const r of rows) {
    check(`${where}: unit ${r.id} highlighted exactly when a warning names it`, r.warn === warned.has(r.id), String(r.warn));
  }
  return rows.filter((r) => r.warn).length;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const consoleErrors = [];
function watch(page) {
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`); });
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${String(err)}`));
}

async function signIn(page, login, landing) {
  await page.goto(baseUrl + '/login.html', { waitUntil: 'load' });
  await page.click(`#demo-accounts [data-login="${login}"]`);
  await Promise.all([
    page.waitForURL((u) => u.pathname === landing, { timeout: 10000 }).catch(() => {}),
    page.click('#login-submit'),
  ]);
  return new URL(page.url()).pathname;
}

try {
  // ------------------------------------------------------------ desktop: login → /supervisor/
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  desk.setDefaultTimeout(10000);
  const page = await desk.newPage();
  watch(page);
  const landed = await signIn(page, 'demo-supervisor', '/supervisor/');
  check('a supervisor lands on /supervisor/ after login', landed === '/supervisor/', landed);
  await loaded(page);

  // ------------------------------------------------------------ the lift, drawn and as the API says
  await chartDrawn(page, '#lift-chart', 'the lift chart');
  const { overview, lift } = await figuresMatch(page, '', 'the dashboard');
  const arms = lift.arms || {};
  check('the personalised arm completes more than control (API)',
    arms.personalised && arms.control && arms.personalised.rate > arms.control.rate,
    JSON.stringify(arms));
  const difference = await page.textContent('#lift-difference');
  const ci = (lift.difference && lift.difference.ci95) || [];
  check('the difference is shown with its 95% CI', difference.includes('95% 置信区间') && ci.length === 2, difference);
  if (ci.length === 2) {
    const bound = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;
    check('the CI bounds are the API\'s', difference.includes(bound(ci[0])) && difference.includes(bound(ci[1])),
      `${difference} vs ${JSON.stringify(ci)}`);
  }
  const ratioText = await page.textContent('#lift-ratio');
  check('the ratio is shown with its CI', lift.ratio && ratioText.includes(String(Number(Number(lift.ratio.value).toFixed(2)))) &&
    ratioText.includes('倍') && ratioText.includes('95% 置信区间'), ratioText);
  await chartDrawn(page, '#months-chart', 'the monthly chart');
  await chartDrawn(page, '#hours-chart', 'the hours distribution');
  check('the lift chart is marked for assistive technology',
    CHINESE.test((await page.getAttribute('#lift-chart', 'aria-label')) || ''));
  await shot(page, 'supervisor-dashboard-desktop.png');

  // ------------------------------------------------------------ the unit table and warnings
  // One row per sub-unit, and one for the unit's own cadres when it has any.
  const listed = (overview.by_unit || []).filter((u) => !u.own || u.cadres > 0);
  const unitRows = page.locator('#units tr');
  check('the unit table lists the sub-units', (await unitRows.count()) === listed.length && listed.length > 1,
    `${await unitRows.count()} rows, API ${listed.length}`);
  const shownUnits = await unitRows.evaluateAll((rows) => rows.map((r) => ({
    id: r.dataset.unitId, own: r.dataset.own === 'true', warn: r.classList.contains('row-warn'),
    cells: [...r.querySelectorAll('td')].map((td) => td.textContent),
  })));
  for (const u of listed) {
    const row = shownUnits.find((x) => x.id === String(u.unit_id) && x.own === Boolean(u.own));
    check(`unit ${u.name}: its figures as the API`, row && row.cells[0] === String(u.cadres) &&
      row.cells[1] === (u.completion_rate === null ? '—' : pct(u.completion_rate)) &&
      row.cells[2] === (u.participation_rate === null ? '—' : pct(u.participation_rate)),
    JSON.stringify(row && row.cells));
  }
  const warningsReply = await apiJson(page, '/api/supervisor/warnings');
  const warnings = warningsReply.warnings || [];
  check('the simulated cohort raises unit and person warnings',
    warnings.some((w) => w.user_id === null) && warnings.some((w) => w.user_id !== null));
  let highlighted = await unitsHighlighted(page, warnings, 'the dashboard');
  if (await page.locator('#warnings-more').isVisible()) await page.click('#warnings-more');
  check('every warning is listed', (await page.locator('#warnings li').count()) === warnings.length,
    `${await page.locator('#warnings li').count()} vs ${warnings.length}`);
  const links = await page.locator('#warnings a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  check('each warning links to a unit or a person',
    links.length === warnings.length && links.every((h) => /^\/supervisor\/(\?unit=\d+|person\.html\?id=\d+)$/.test(h)),
    links.slice(0, 3).join(' '));

  // ------------------------------------------------------------ exports
  for (const name of ['overview', 'warnings', 'people']) {
    for (const format of ['csv', 'xlsx']) {
      const link = page.locator(`#exports [data-export="${name}-${format}"]`);
      if (!check(`an export button for ${name} ${format}`, (await link.count()) === 1)) continue;
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }).catch(() => null), link.click()]);
      if (!check(`the ${name} ${format} export downloads`, download !== null)) continue;
      const file = path.join(workDir, `export-${name}.${format}`);
      await download.saveAs(file);
      const head = fs.readFileSync(file).subarray(0, 4);
      if (format === 'csv') {
        check(`the ${name} CSV starts with a UTF-8 BOM`, head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf, head.toString('hex'));
        const text = fs.readFileSync(file, 'utf8');
        check(`the ${name} CSV has a Chinese header and rows`, CHINESE.test(text.split('\n')[0]) && text.trim().split('\n').length >= 2);
      } else {
        check(`the ${name} XLSX is a zip (PK)`, head.toString('hex') === '504b0304', head.toString('hex'));
      }
    }
  }

  // ------------------------------------------------------------ drill-down: a unit, then a person
  const firstUnit = shownUnits.find((u) => !u.own).id;
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('unit') === firstUnit),
    page.click(`#units tr[data-unit-id="${firstUnit}"][data-own="false"] a`),
  ]);
  await loaded(page);
  const unitView = await figuresMatch(page, `?unit=${firstUnit}`, `unit ${firstUnit}`);
  check('the breadcrumb names the unit', (await page.textContent('#crumbs [aria-current]')) === (unitView.overview.unit || {}).name,
    await page.textContent('#crumbs'));
  check('the unit filter shows the unit', (await page.inputValue('#f-unit')) === firstUnit);
  await chartDrawn(page, '#lift-chart', 'the unit\'s lift chart');
  const unitWarnings = (await apiJson(page, `/api/supervisor/warnings?unit=${firstUnit}`)).warnings || [];
  highlighted += await unitsHighlighted(page, unitWarnings, `unit ${firstUnit}`);
  check('some unit with a warning is highlighted (dashboard or first drill-down)', highlighted > 0);
  await shot(page, 'supervisor-unit-desktop.png');
  // The filters: grassroots cadres over the last three months, from the form.
  const to = unitView.overview.to;
  const start = new Date(`${to.slice(0, 7)}-01T00:00:00Z`);
  start.setUTCMonth(start.getUTCMonth() - 2);
  const from = start.toISOString().slice(0, 10);
  await page.selectOption('#f-category', 'grassroots');
  await page.fill('#f-from', from);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('category') === 'grassroots' && u.searchParams.get('from') === from),
    page.click('#f-apply'),
  ]);
  await loaded(page);
  const filtered = await figuresMatch(page, `?unit=${firstUnit}&category=grassroots&from=${from}&to=${to}`,
    'grassroots, last three months');
  check('the category filter narrows the cadres', filtered.overview.cadres < unitView.overview.cadres,
    `${filtered.overview.cadres} of ${unitView.overview.cadres}`);
  check('the filters stay in the form', (await page.inputValue('#f-category')) === 'grassroots' &&
    (await page.inputValue('#f-from')) === from && (await page.inputValue('#f-unit')) === firstUnit);
  const monthsShown = await page.evaluate(() => globalThis.echarts.getInstanceByDom(document.getElementById('months-chart'))
    .getOption().xAxis[0].data.length);
  check('the monthly chart covers the period', monthsShown <= 3 && monthsShown >= 1, String(monthsShown));
  await page.goto(`${baseUrl}/supervisor/?unit=${firstUnit}`, { waitUntil: 'load' });
  await loaded(page);

  // The cadre of this unit's tree with the most completed items, from the API.
  const people = (await apiJson(page, `/api/supervisor/people?unit=${firstUnit}&per_page=500`)).people || [];
  const busiest = people.slice().sort((a, b) => b.completed - a.completed)[0];
  check('the unit lists its cadres', (await page.locator('#people tr').count()) === Math.min(20, people.length) && people.length > 0,
    `${await page.locator('#people tr').count()} vs ${people.length}`);
  let personId = null;
  if (busiest) {
    if (await page.locator('#people-more').isVisible()) await page.click('#people-more');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/supervisor/person.html'),
      page.click(`#people tr[data-user-id="${busiest.id}"] a`),
    ]);
    await loaded(page);
    personId = busiest.id;
    const record = await apiJson(page, `/api/supervisor/people/${personId}`);
    check('the record names the person', (await page.textContent('#person-name')).includes(record.person.name));
    const completions = record.completions || [];
    const rows = await page.locator('#completed tr').count();
    check('the record lists the completed items', rows === completions.length && rows > 0, `${rows} vs ${completions.length}`);
    const dates = await page.locator('#completed tr td:nth-child(3)').allTextContents();
    check('each completed item has its date', dates.join() === completions.map((c) => c.date).join(),
      dates.slice(0, 3).join(','));
    check('the quiz results are listed', (await page.locator('#quizzes tr').count()) === (record.quizzes || []).length);
    check('the record has mastery history', (record.mastery || []).some((m) => (m.history || []).length > 0));
    await chartDrawn(page, '#mastery-chart', 'the mastery chart');
    await shot(page, 'supervisor-person-desktop.png');
  }

  // ------------------------------------------------------------ the phone
  const state = await desk.storageState();
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', storageState: state,
  });
  phone.setDefaultTimeout(10000);
  const small = await phone.newPage();
  watch(small);
  await small.goto(baseUrl + '/supervisor/', { waitUntil: 'load' });
  await loaded(small);
  await chartDrawn(small, '#lift-chart', 'the lift chart on a phone');
  await noOverflow(small, '/supervisor/');
  await shot(small, 'supervisor-dashboard-phone.png');
  if (personId) {
    await small.goto(`${baseUrl}/supervisor/person.html?id=${personId}`, { waitUntil: 'load' });
    await loaded(small);
    await chartDrawn(small, '#mastery-chart', 'the mastery chart on a phone');
    await noOverflow(small, 'person.html');
    await shot(small, 'supervisor-person-phone.png');
  }
  await phone.close();

  // ------------------------------------------------------------ the front page links to the dashboard
  await page.goto(baseUrl + '/', { waitUntil: 'load' });
  await page.locator('#welcome-supervisor').waitFor({ timeout: 8000 }).catch(() => {});
  check('the front page links a supervisor to the dashboard',
    (await page.getAttribute('#welcome-supervisor', 'href').catch(() => null)) === '/supervisor/');
  await desk.close();

  // ------------------------------------------------------------ a cadre is refused
  const other = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  other.setDefaultTimeout(10000);
  const cadre = await other.newPage();
  watch(cadre);
  await signIn(cadre, 'demo-cadre', '/learn/');
  await cadre.goto(baseUrl + '/supervisor/', { waitUntil: 'load' });
  await cadre.locator('#page-notice:not([hidden])').waitFor({ timeout: 8000 }).catch(() => {});
  const refusal = (await cadre.textContent('#page-notice')) || '';
  check('a cadre on /supervisor/ is refused in Chinese', new URL(cadre.url()).pathname !== '/supervisor/' || /无权/.test(refusal), refusal);
  check('a cadre sees no figures', await cadre.locator('#dashboard').isHidden());
  const reply = await cadre.request.get(baseUrl + '/api/supervisor/overview');
  check('the API refuses the cadre (403)', reply.status() === 403, String(reply.status()));
  await other.close();

  check('no console errors (CSP included)', consoleErrors.length === 0, consoleErrors.join(' | '));
} finally {
  await browser.close();
}
console.log(`supervisor: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

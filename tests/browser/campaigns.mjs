// campaigns.mjs — mandatory study campaigns in real headless Chromium:
// demo-editor signs in and creates a campaign on /editor/campaigns.html
// (an item found by search, a unit, the new-hire category, the dates the
// form proposes: today and a week on); the targeted cadre, on a phone, sees
// it first in the feed marked 必学 with its deadline, and in the reminder
// box, opens it and completes it; demo-supervisor's coverage board then
// shows one targeted cadre and one completion, with its chart drawn; the
// evaluation board loads and draws. No console errors, no overflow at 390px.
//
//   PLAYWRIGHT_CORE=.../playwright-core node campaigns.mjs BASE_URL SHOT_DIR UNIT_ID ITEM_ID ITEM_TITLE CADRE_LOGIN
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { chromium } = await import(pathToFileURL(path.join(process.env.PLAYWRIGHT_CORE, 'index.mjs')).href);

const [baseUrl, shotDir, unitId, itemId, itemTitle, cadreLogin] = process.argv.slice(2);
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
const shot = (page, name) => (shotDir ? page.screenshot({ path: path.join(shotDir, name), fullPage: true }) : null);
const consoleErrors = [];
function watch(page) {
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
}
async function noOverflow(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`no horizontal overflow at ${page.viewportSize().width}px on ${where}`, overflow <= 0, `${overflow}px`);
}
async function signIn(page, login) {
  await page.goto(baseUrl + '/login.html', { waitUntil: 'load' });
  await page.fill('#login-name', login);
  await page.fill('#login-password', 'qingfeng-demo');
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login.html', { timeout: 10000 }),
    page.click('#login-submit'),
  ]);
}
async function chartDrawn(page, selector, what) {
  const ok = await page.locator(`${selector}[data-drawn="true"]`).waitFor({ timeout: 10000 }).then(() => true, () => false);
  check(`${what}: ECharts drew the chart`, ok);
  const painted = await page.evaluate((sel) => {
    const canvas = document.querySelector(`${sel} canvas`);
    if (!canvas || !canvas.width) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 240) n++;
    return n / (canvas.width * canvas.height);
  }, selector);
  check(`${what}: the canvas is painted`, painted > 0.005, String(painted));
}

// Dates as the app counts them: China Standard Time.
const cstDate = (offsetDays) => new Date(Date.now() + 8 * 3600000 + offsetDays * 86400000).toISOString().slice(0, 10);
const deadline = cstDate(7);
const title = '浏览器测试专题：新入职干部必修';

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
try {
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

  // ------------------------------------------------------------ the editor
  const editorContext = await browser.newContext(phone);
  const editor = await editorContext.newPage();
  watch(editor);
  await signIn(editor, 'demo-editor');
  await editor.goto(baseUrl + '/editor/campaigns.html', { waitUntil: 'load' });
  await editor.locator('#c-units option').first().waitFor({ state: 'attached', timeout: 10000 });
  check('the form proposes today as the start', (await editor.inputValue('#c-start')) === cstDate(0), await editor.inputValue('#c-start'));
  check('and a week on as the deadline', (await editor.inputValue('#c-deadline')) === deadline, await editor.inputValue('#c-deadline'));
  await editor.fill('#c-title', title);
  await editor.fill('#c-search', itemTitle);
  await editor.click('#c-search-go');
  const add = editor.locator('#c-results li', { hasText: itemTitle }).locator('button');
  await add.first().waitFor({ timeout: 10000 });
  await add.first().click();
  check('the item is chosen', (await editor.locator('#c-items li').count()) === 1);
  await editor.selectOption('#c-units', [unitId]);
  await editor.click('label[for="cat-new_hire"]');
  await noOverflow(editor, 'the campaign editor');
  await editor.click('#c-save');
  await editor.locator('#page-notice.notice-ok').waitFor({ timeout: 10000 })
    .catch(async () => check('the campaign is created', false, (await editor.textContent('#form-notice')) || ''));
  check('the editor is told it was created', /已创建/.test(await editor.textContent('#page-notice')));
  check('the list shows it', (await editor.locator('#campaigns li', { hasText: title }).count()) === 1);
  const created = await (await editor.request.get(baseUrl + '/api/editor/campaigns')).json();
  const campaign = created.campaigns.find((c) => c.title === title);
  check('stored with the deadline and the target', campaign && campaign.deadline === deadline, JSON.stringify(campaign));
  if (campaign) {
    const full = await (await editor.request.get(`${baseUrl}/api/editor/campaigns/${campaign.id}`)).json();
    check('target: the unit and new hires', JSON.stringify(full.target) === JSON.stringify({ categories: ['new_hire'], units: [Number(unitId)] }), JSON.stringify(full.target));
    check('items: the one chosen', JSON.stringify(full.items.map((i) => i.id)) === JSON.stringify([Number(itemId)]));
  }
  await shot(editor, 'campaigns-editor.png');

  // ------------------------------------------------------------ the cadre
  const cadreContext = await browser.newContext(phone);
  const cadre = await cadreContext.newPage();
  watch(cadre);
  await signIn(cadre, cadreLogin);
  await cadre.goto(baseUrl + '/learn/', { waitUntil: 'load' });
  const first = cadre.locator('#feed > li').first();
  await first.waitFor({ timeout: 10000 });
  check('the campaign item is first in the feed', (await first.getAttribute('data-item-id')) === itemId, await first.getAttribute('data-item-id'));
  check('marked 必学', (await first.locator('.badge-mandatory').textContent().catch(() => '')) === '必学');
  const reason = await first.locator('.reason-text').textContent();
  check('its reason names the campaign and the deadline', reason.includes(title) && reason.includes(deadline), reason);
  const reminder = cadre.locator('#campaign-reminders');
  await reminder.waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
  check('the reminder box shows the deadline', (await reminder.textContent()).includes(deadline), await reminder.textContent());
  await noOverflow(cadre, 'the feed with a campaign');
  await shot(cadre, 'campaigns-feed.png');
  await first.locator('.feed-title a').click();
  await cadre.waitForURL((u) => u.pathname === '/learn/item.html', { timeout: 10000 });
  await cadre.locator('#complete').waitFor({ timeout: 10000 });
  // A short item completes itself once its end is in view; otherwise the button does it.
  if (await cadre.isEnabled('#complete')) await cadre.click('#complete', { timeout: 5000 }).catch(() => {});
  check('the completion is recorded', await cadre.locator('#reader[data-completed="true"]').waitFor({ timeout: 10000 })
    .then(() => true, () => false), await cadre.textContent('#complete-status'));
  await cadre.goto(baseUrl + '/learn/', { waitUntil: 'load' });
  await cadre.locator('#feed > li').first().waitFor({ timeout: 10000 });
  check('completed: it leaves the feed', (await cadre.locator(`#feed > li[data-item-id="${itemId}"]`).count()) === 0);
  check('and the reminder goes', await reminder.isHidden());

  // ------------------------------------------------------------ the supervisor
  const supervisorContext = await browser.newContext(phone);
  const supervisor = await supervisorContext.newPage();
  watch(supervisor);
  await signIn(supervisor, 'demo-supervisor');
  await supervisor.goto(`${baseUrl}/supervisor/campaigns.html?id=${campaign ? campaign.id : ''}`, { waitUntil: 'load' });
  await supervisor.locator('#kpis .kpi').first().waitFor({ timeout: 10000 });
  const kpi = (label) => supervisor.locator(`#kpis [data-kpi="${label}"] .kpi-value`).textContent();
  check('coverage: one targeted cadre', (await kpi('应学人数')) === '1', await kpi('应学人数'));
  check('coverage: one completed', (await kpi('已完成')) === '1', await kpi('已完成'));
  check('coverage: nobody overdue', (await kpi('逾期')) === '0');
  check('the unit row says so', (await supervisor.locator(`#units tr[data-unit="${unitId}"] td`).nth(1).textContent()) === '1');
  await chartDrawn(supervisor, '#units-chart', 'the coverage chart');
  check('the CSV export link', await supervisor.waitForFunction(() => /format=csv/.test(document.getElementById('export-csv').href),
    null, { timeout: 10000 }).then(() => true, () => false), await supervisor.getAttribute('#export-csv', 'href'));
  await supervisor.locator('#warnings-none:visible, #warnings li').first().waitFor({ timeout: 10000 })
    .catch(() => check('the reminders are listed', false));
  await noOverflow(supervisor, 'the coverage board');
  await shot(supervisor, 'campaigns-coverage.png');

  await supervisor.goto(`${baseUrl}/supervisor/evaluation.html`, { waitUntil: 'load' });
  await supervisor.locator('#self .kpi').first().waitFor({ timeout: 10000 });
  check('evaluation: the composite kpi', (await supervisor.locator('#self [data-kpi="score"] .kpi-label').textContent()) === '综合得分');
  check('evaluation: the sub-units ranked', (await supervisor.locator('#units tr').count()) >= 1);
  check('evaluation: a missing component says 缺', (await supervisor.locator('#units td.cell-missing').count()) >= 1);
  await chartDrawn(supervisor, '#rank-chart', 'the ranking chart');
  await noOverflow(supervisor, 'the evaluation board');
  await shot(supervisor, 'campaigns-evaluation.png');

  check('no console errors', consoleErrors.length === 0, consoleErrors.join('\n'));
} catch (err) {
  check('the browser run', false, err.stack || String(err));
} finally {
  await browser.close();
}
console.log(`campaigns.mjs: ${checks} checks, ${failures} failed`);
process.exit(failures ? 1 : 0);

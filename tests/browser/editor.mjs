// editor.mjs — the editor's pages in real headless Chromium, phone-sized:
// an editor logs in through login.html, searches the library, creates a
// tagged case, previews, saves, publishes, edits it into version 2, adds two
// questions, imports a file with a bad line and reads the report, and finds
// the new case in search and in the export. Also: no console errors (the CSP
// would report inline script or style there) and nothing overflows at 390px.
//
//   PLAYWRIGHT_CORE=.../playwright-core node editor.mjs BASE_URL SHOT_DIR
//
// Screenshots (phone and desktop) go to SHOT_DIR for a human look.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { chromium } = await import(pathToFileURL(path.join(process.env.PLAYWRIGHT_CORE, 'index.mjs')).href);

const [baseUrl, shotDir] = process.argv.slice(2);
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
const stamp = Date.now().toString(36);
// A word of the starter corpus (several titles hold it); two characters,
// shorter than a trigram, so the search cannot lean on FTS5 alone.
const CORPUS_WORD = '红包';
const UNIQUE = `清风测试${stamp}`;
const TITLE_1 = `某县交通局科长在招投标中围标串标案（${UNIQUE}）`;
const TITLE_2 = `某县交通局科长在招投标中围标串标案（${UNIQUE}·修订）`;

// Failed requests the test causes on purpose show up as console errors;
// only those statuses are forgiven, everything else (CSP included) counts.
const EXPECTED_FAILURES = /Failed to load resource: the server responded with a status of (401|422)\b/;

async function noOverflow(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`no horizontal overflow at 390px on ${where}`, overflow <= 0, `${overflow}px`);
}

async function waitText(locator, pattern, timeout = 8000) {
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
    return true;
  } catch {
    return false;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const consoleErrors = [];
function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !EXPECTED_FAILURES.test(msg.text())) consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${String(err)}`));
  page.on('dialog', (dialog) => dialog.accept());
}

try {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  watch(page);

  // ------------------------------------------------------------ login
  let response = await page.goto(baseUrl + '/login.html', { waitUntil: 'load' });
  check('login page answers 200', response.status() === 200, String(response.status()));
  check('login page is zh-CN', (await page.getAttribute('html', 'lang')) === 'zh-CN');
  const demoText = await page.textContent('#demo-accounts');
  for (const login of ['demo-admin', 'demo-editor', 'demo-supervisor', 'demo-cadre']) {
    check(`login page lists ${login}`, demoText.includes(login));
  }
  check('login page gives the demo password', (await page.textContent('main')).includes('qingfeng-demo'));
  await noOverflow(page, 'login.html');

  await page.fill('#login-name', 'demo-editor');
  await page.fill('#login-password', 'wrong-password');
  await page.click('#login-submit');
  check('a wrong password is reported in Chinese',
    await waitText(page.locator('#login-error'), /密码错误/), await page.textContent('#login-error'));
  await shot(page, 'editor-login.png');

  await page.click('#demo-accounts [data-login="demo-editor"]');
  check('a demo account fills the form', (await page.inputValue('#login-password')) === 'qingfeng-demo');
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/editor/'), { timeout: 8000 }), page.click('#login-submit')]);
  check('an editor lands on the workspace', new URL(page.url()).pathname === '/editor/', page.url());
  check('the CSRF token is kept for the tab',
    ((await page.evaluate(() => sessionStorage.getItem('qingfeng.csrf'))) || '').length >= 16);

  // ------------------------------------------------------------ the library
  const count = page.locator('#result-count');
  check('the library lists items', await waitText(count, /共 [1-9]\d* 条/), await count.textContent());
  check('rows show kind, status and version',
    await page.locator('#results .item-row .badge-status-published').count() > 0 &&
    await page.locator('#results .item-row .item-version').count() > 0);
  check('the tag filter is grouped by kind',
    await page.locator('#f-tag optgroup[label="纪律"]').count() === 1 &&
    await page.locator('#f-tag optgroup[label="风险点"]').count() === 1 &&
    await page.locator('#f-tag optgroup[label="新型形态"]').count() === 1);
  await noOverflow(page, 'the workspace');

  await page.fill('#f-q', CORPUS_WORD);
  let reply = page.waitForResponse((r) => r.url().includes('q=' + encodeURIComponent(CORPUS_WORD)));
  await page.click('#search-submit');
  check('the search asks the API', (await reply).status() === 200);
  await page.waitForFunction(() => !document.querySelector('#results[aria-busy]'));
  const found = await page.locator('#results .item-title').allTextContents();
  check(`a search for ${CORPUS_WORD} finds items`, found.length > 0);
  check(`some title holds ${CORPUS_WORD}`, found.some((t) => t.includes(CORPUS_WORD)), found.join(' | '));
  check('the search is kept in the address', page.url().includes('q='));

  reply = page.waitForResponse((r) => r.url().includes('tag=discipline.integrity'));
  await page.selectOption('#f-tag', 'discipline.integrity');
  check('the tag filter asks the API', (await reply).status() === 200);
  await page.waitForFunction(() => !document.querySelector('#results[aria-busy]'));
  check('search and tag filter together still find items', await page.locator('#results .item-row').count() > 0);
  await shot(page, 'editor-workspace.png');

  await page.click('#search-reset');
  await page.waitForFunction(() => !document.querySelector('#results[aria-busy]'));
  if (await page.locator('#page-next').isEnabled()) {
    reply = page.waitForResponse((r) => r.url().includes('offset=20'));
    await page.click('#page-next');
    check('the next page asks for offset 20', (await reply).status() === 200);
    check('the page number moves on', await waitText(page.locator('#page-info'), /第 2 \//));
  } else {
    check('the library has more than one page', false, 'next page disabled');
  }

  // ------------------------------------------------------------ a new case
  await Promise.all([page.waitForURL((u) => u.pathname === '/editor/item.html'), page.click('#new-item')]);
  await page.locator('#item-tags .chip-toggle').first().waitFor({ timeout: 8000 });
  check('the tag pickers have one group per kind',
    await page.locator('#item-tags .tag-group').count() === 6, String(await page.locator('#item-tags .tag-group').count()));
  await page.fill('#f-title', TITLE_1);
  await page.fill('#f-summary', '某县交通运输局科长利用评标专家身份，为特定企业围标串标提供帮助并收受财物。');
  await page.fill('#f-body', [
    '## 基本案情', '',
    '某县交通运输局**工程科科长**王某，在农村公路改造项目招标中为特定企业提供帮助。', '',
    '- 泄露标底', '- 指使他人陪标', '',
    '<script>window.__pwned = 1</script>', '',
    '[点此查看](javascript:window.__pwned=2)',
  ].join('\n'));
  await page.fill('#f-minutes', '20');
  await page.selectOption('#f-difficulty', '3');
  await page.click('label[for="tag-discipline-integrity"]');
  await page.click('label[for="tag-risk-tendering"]');
  check('the picked tags are shown as chosen',
    await page.isChecked('#tag-discipline-integrity') && await page.isChecked('#tag-risk-tendering'));
  check('the preview renders the Markdown', await waitText(page.locator('#preview h2'), '基本案情'));
  check('the preview shows the list', await waitText(page.locator('#preview li'), '泄露标底'));
  check('the preview holds no script', await page.locator('#preview script').count() === 0);
  check('the preview holds no javascript: link',
    await page.locator('#preview a[href^="javascript"], #preview a[href^="JAVASCRIPT"]').count() === 0);
  check('nothing from the body ran', (await page.evaluate(() => window.__pwned)) === undefined);

  await page.click('#save-item');
  check('the new case is saved as a draft', await waitText(page.locator('#item-status'), '草稿'),
    await page.textContent('#item-message'));
  check('version 1 is shown', await waitText(page.locator('#item-version'), '第 1 版'));
  const itemId = new URL(page.url()).searchParams.get('id');
  check('the address now names the item', /^\d+$/.test(itemId || ''), page.url());

  await page.click('#publish-item');
  check('publishing shows 已发布', await waitText(page.locator('#item-status'), '已发布'),
    await page.textContent('#item-message'));

  await page.fill('#f-title', TITLE_2);
  await page.fill('#f-body', (await page.inputValue('#f-body')).replace('泄露标底', '泄露标底和评标细则'));
  check('the save button offers a new version', (await page.textContent('#save-item')).includes('新版本'));
  await page.click('#save-item');
  check('the edit becomes version 2', await waitText(page.locator('#item-version'), '第 2 版'),
    await page.textContent('#item-message'));
  check('the history lists version 2', await waitText(page.locator('#version-list .version-row'), '第 2 版'));
  check('the history keeps version 1', await page.locator('#version-list .version-row[data-version="1"]').count() === 1);
  await page.click('#version-list .version-row[data-version="1"] button');
  check('version 1 can be read', await waitText(page.locator('#version-view'), TITLE_1));
  check('the old version shows its old body', await waitText(page.locator('#version-body'), '泄露标底'));

  // ------------------------------------------------------------ questions
  await page.click('#add-question');
  await page.selectOption('#q-type', 'single');
  await page.fill('#q-stem', `王某为特定企业围标串标提供帮助并收受财物，主要违反了哪一项纪律？（${UNIQUE}）`);
  const choices = ['政治纪律', '廉洁纪律', '群众纪律', '生活纪律'];
  for (let i = 0; i < choices.length; i++) await page.locator('#q-choices .choice-input').nth(i).fill(choices[i]);
  await page.locator('#q-choices input[name="q-answer"]').nth(1).check();
  await page.fill('#q-explanation', '利用职权为他人谋取利益并收受财物，属于违反廉洁纪律。');
  await page.click('#q-save');
  check('the first question is listed', await waitText(page.locator('#question-list .question-row'), '围标串标'),
    await page.textContent('#question-message'));
  check('its correct answer is marked',
    await waitText(page.locator('#question-list .question-row .choice-correct'), '廉洁纪律'));

  await page.click('#add-question');
  await page.selectOption('#q-type', 'truefalse');
  await page.fill('#q-stem', `评标专家向投标人泄露评标细则不属于违纪行为。（${UNIQUE}）`);
  await page.locator('#q-choices input[name="q-answer"]').nth(1).check();
  await page.fill('#q-explanation', '泄露评标细则破坏公平竞争，属于违纪违法行为。');
  await page.click('#q-save');
  check('the second question is listed', await waitText(page.locator('#question-list .question-row'), '泄露评标细则不属于'),
    await page.textContent('#question-message'));
  check('two questions in all', await page.locator('#question-list .question-row').count() === 2);
  await noOverflow(page, 'the edit form');
  await shot(page, 'editor-item.png');

  await page.reload({ waitUntil: 'load' });
  check('after a reload the title is version 2', await waitText(page.locator('#item-version'), '第 2 版'));
  check('after a reload the form holds the edit', (await page.inputValue('#f-title')) === TITLE_2);
  check('after a reload both questions are there',
    await waitText(page.locator('#question-count'), '2 道'), await page.textContent('#question-count'));
  check('after a reload the tags are kept',
    await page.isChecked('#tag-discipline-integrity') && await page.isChecked('#tag-risk-tendering'));

  // ------------------------------------------------------------ search finds it
  await page.goto(`${baseUrl}/editor/?q=${encodeURIComponent(UNIQUE)}`, { waitUntil: 'load' });
  check('the new case is found by search', await waitText(page.locator('#results .item-title'), UNIQUE));
  check('it is listed as published', await waitText(page.locator('#results .item-row'), '已发布'));
  check('it is listed at version 2', await waitText(page.locator('#results .item-row'), '第 2 版'));
  const learners = await page.request.get(`${baseUrl}/api/search?q=${encodeURIComponent(UNIQUE)}`);
  check('the published case is in the learners\' search',
    learners.ok() && ((await learners.json()).items || []).some((i) => i.title === TITLE_2), String(learners.status()));

  // ------------------------------------------------------------ import
  await page.goto(baseUrl + '/editor/import.html', { waitUntil: 'load' });
  const good = (n) => JSON.stringify({
    kind: 'lesson', title: `导入测试微课${n}（${UNIQUE}导入）`, summary: '导入测试。',
    body_md: '## 学习要点\n\n廉洁从业的基本要求。', minutes: 10, difficulty: 2,
    tags: ['discipline.integrity', 'category.new_hire'],
  });
  const file = [good(1), '{"kind":"lesson","title": 这一行不是 JSON', good(3)].join('\n') + '\n';
  await page.setInputFiles('#import-file', { name: 'import-test.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(file) });
  check('the file is read into the page', await waitText(page.locator('#import-lines'), '3 行'));

  // A tab without the token (opened afresh) gets it from /api/me before a write.
  await page.evaluate(() => sessionStorage.removeItem('qingfeng.csrf'));
  await page.check('input[name="mode"][value="all"]');
  await page.click('#import-submit');
  check('all or nothing: the report shows line 2',
    await waitText(page.locator('#error-rows tr'), /^2/), await page.textContent('#import-summary'));
  check('all or nothing: exactly one bad line', await page.locator('#error-rows tr').count() === 1);
  check('all or nothing: nothing imported', (await page.textContent('#import-summary')).includes('一条都没有导入'));
  let search = await page.request.get(`${baseUrl}/api/editor/items?q=${encodeURIComponent(UNIQUE + '导入')}`);
  check('all or nothing: the library is unchanged', search.ok() && (await search.json()).total === 0);

  await page.check('input[name="mode"][value="validate"]');
  await page.click('#import-submit');
  check('validate only: the report shows line 2',
    await waitText(page.locator('#error-rows tr[data-line="2"]'), /2/), await page.textContent('#import-summary'));
  check('validate only: says nothing was written', await waitText(page.locator('#import-summary'), '未作任何改动'),
    await page.textContent('#import-summary'));

  await page.check('input[name="mode"][value="partial"]');
  await page.click('#import-submit');
  check('partial: two lines imported', await waitText(page.locator('#import-summary'), '已导入 2 条'),
    await page.textContent('#import-summary'));
  check('partial: line 2 still reported', await page.locator('#error-rows tr[data-line="2"]').count() === 1);
  search = await page.request.get(`${baseUrl}/api/editor/items?q=${encodeURIComponent(UNIQUE + '导入')}`);
  check('partial: the two good lines are in the library', search.ok() && (await search.json()).total === 2);
  await noOverflow(page, 'the import page');
  await shot(page, 'editor-import.png');

  // ------------------------------------------------------------ export
  const exportHref = await page.getAttribute('#export-link', 'href');
  check('the export link points at the API', exportHref === '/api/editor/export', exportHref);
  const exported = await page.request.get(baseUrl + exportHref);
  const exportText = exported.ok() ? await exported.text() : '';
  check('the export answers 200', exported.ok(), String(exported.status()));
  check('the export holds the new case at its latest title', exportText.includes(TITLE_2));
  check('the export holds its questions', exportText.includes('泄露评标细则不属于'));

  // ------------------------------------------------------------ desktop
  const state = await context.storageState();
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', storageState: state });
  const wide = await desktop.newPage();
  watch(wide);
  await wide.goto(`${baseUrl}/editor/?status=published`, { waitUntil: 'load' });
  check('desktop: the library lists items', await waitText(wide.locator('#result-count'), /共 [1-9]/));
  await shot(wide, 'editor-workspace-desktop.png');
  await wide.goto(`${baseUrl}/editor/item.html?id=${itemId}`, { waitUntil: 'load' });
  check('desktop: the edit form loads the case', await waitText(wide.locator('#item-version'), '第 2 版'));
  check('desktop: the preview renders', await waitText(wide.locator('#preview h2'), '基本案情'));
  await shot(wide, 'editor-item-desktop.png');
  await desktop.close();

  // ------------------------------------------------------------ other roles and sign-out
  await page.goto(baseUrl + '/editor/item.html', { waitUntil: 'load' });
  await page.locator('#whoami').filter({ hasText: 'demo' }).or(page.locator('#whoami').filter({ hasText: '编辑' }))
    .first().waitFor({ timeout: 5000 }).catch(() => {});
  await Promise.all([page.waitForURL((u) => u.pathname === '/login.html'), page.click('#logout')]);
  check('sign-out returns to the login page', page.url().endsWith('/login.html'), page.url());
  await page.goto(baseUrl + '/editor/', { waitUntil: 'load' });
  await page.waitForURL((u) => u.pathname === '/login.html', { timeout: 5000 }).catch(() => {});
  check('signed out, the workspace sends to login', new URL(page.url()).pathname === '/login.html', page.url());
  check('the login page says why', await waitText(page.locator('#login-notice'), '请先登录'));

  await page.fill('#login-name', 'demo-cadre');
  await page.fill('#login-password', 'qingfeng-demo');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 8000 }), page.click('#login-submit')]);
  check('a cadre is not sent to the editor pages', !new URL(page.url()).pathname.startsWith('/editor/'), page.url());
  await page.goto(baseUrl + '/editor/', { waitUntil: 'load' });
  check('a cadre is told the workspace is not theirs', await waitText(page.locator('#page-notice'), '没有内容编辑权限'));

  check('no console errors (CSP included)', consoleErrors.length === 0, consoleErrors.join(' | '));
} finally {
  await browser.close();
}
console.log(`editor: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

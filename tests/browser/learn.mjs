// learn.mjs — the cadre's pages in real headless Chromium, phone-sized:
// demo-cadre (risk exposures 招投标 and 政府采购) logs in through
// login.html and lands on the feed (so does the front page, signed in); the cards say why
// they were pushed (招投标 among the top five); 不感兴趣 takes a card away for
// good; the reader posts open, progress and complete as the cadre scrolls to
// the end and the year's study minutes rise by the item's minutes; a wrong
// answer (its first post lost on the network and retried with the same
// client id) shows 错误, the explanation and the right answer, and comes back
// as a review on "我的学习", whose link leads to the question, and, once due,
// as a review card in the feed. Also: no console
// errors (the CSP would report inline script or style there), nothing
// overflows at 390px, and on a desktop the tab bar gives way to the header.
//
//   PLAYWRIGHT_CORE=.../playwright-core node learn.mjs BASE_URL SHOT_DIR DB
//
// The database (sqlite3) gives the right answers, which no API shows a cadre.
// Screenshots (phone and desktop) go to SHOT_DIR for a human look.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const { chromium } = await import(pathToFileURL(path.join(process.env.PLAYWRIGHT_CORE, 'index.mjs')).href);

const [baseUrl, shotDir, db] = process.argv.slice(2);
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
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const CHINESE = /[\u4e00-\u9fff]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function rightAnswer(questionId) {
  const out = execFileSync('sqlite3', [db, `SELECT answer FROM questions WHERE id = ${Number(questionId)}`]);
  return JSON.parse(String(out).trim());
}

async function noOverflow(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`no horizontal overflow at 390px on ${where}`, overflow <= 0, `${overflow}px`);
}

async function until(what, predicate, timeout = 8000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await predicate()) return true;
    await sleep(100);
  }
  return check(what, false, 'timed out');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const consoleErrors = [];
let lostOnPurpose = 0;  // requests the test aborts: each logs one net::ERR_FAILED
function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (lostOnPurpose > 0 && /net::ERR_FAILED/.test(msg.text())) { lostOnPurpose--; return; }
    consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${String(err)}`));
}

// Every POST /api/events and /answer the page makes, with the body it sent.
const events = [];
const answers = [];
function record(page) {
  page.on('request', (request) => {
    if (request.method() !== 'POST') return;
    const url = new URL(request.url());
    let body = null;
    try { body = JSON.parse(request.postData() || 'null'); } catch { /* not JSON */ }
    if (url.pathname === '/api/events') events.push({ ...body, request });
    else if (/^\/api\/questions\/\d+\/answer$/.test(url.pathname)) answers.push({ ...body, url: url.pathname, request });
  });
}
async function statusOf(entry) {
  const response = await entry.request.response().catch(() => null);
  return response ? response.status() : 0;
}

async function progressNow(page) {
  const reply = await page.request.get(baseUrl + '/api/me/progress');
  check('GET /api/me/progress answers 200', reply.status() === 200, String(reply.status()));
  return reply.json();
}

async function signIn(page) {
  await page.goto(baseUrl + '/login.html', { waitUntil: 'load' });
  await page.click('#demo-accounts [data-login="demo-cadre"]');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/learn/', { timeout: 10000 }),
    page.click('#login-submit'),
  ]);
}

try {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  watch(page);
  record(page);

  // ------------------------------------------------------------ login → / → /learn/
  await signIn(page);
  check('a cadre lands on the feed', new URL(page.url()).pathname === '/learn/', page.url());
  // The front page takes a signed-in cadre to the feed too.
  await page.goto(baseUrl + '/', { waitUntil: 'commit' });
  await page.waitForURL((u) => u.pathname === '/learn/', { timeout: 8000 }).catch(() => {});
  check('the front page sends a signed-in cadre to /learn/', new URL(page.url()).pathname === '/learn/', page.url());

  // ------------------------------------------------------------ the feed
  const cards = page.locator('#feed .feed-card');
  await cards.nth(4).waitFor({ timeout: 10000 }).catch(() => {});
  const count = await cards.count();
  check('the feed shows at least five cards', count >= 5, String(count));
  const feed = await cards.evaluateAll((nodes) => nodes.map((n) => ({
    id: Number(n.dataset.itemId),
    kind: n.dataset.kind,
    title: n.querySelector('.feed-title')?.textContent || '',
    badge: n.querySelector('.badge')?.textContent || '',
    minutes: n.querySelector('.feed-minutes')?.textContent || '',
    reason: n.querySelector('.reason')?.textContent || '',
    chips: n.querySelectorAll('.chip').length,
  })));
  for (const c of feed) {
    check(`card ${c.id} has a Chinese reason`, c.reason.startsWith('推荐理由：') && CHINESE.test(c.reason.slice(5)), c.reason);
    check(`card ${c.id} names its form`, ['案例', '微课', '复习'].includes(c.badge), c.badge);
    check(`card ${c.id} gives its study minutes`, /^学时 \d+ 分钟$/.test(c.minutes), c.minutes);
    check(`card ${c.id} shows a few tags`, c.chips >= 1 && c.chips <= 4, String(c.chips));
  }
  check('a card in the top five names the risk exposure 招投标',
    feed.slice(0, 5).some((c) => c.reason.includes('招投标')), feed.slice(0, 5).map((c) => c.reason).join(' | '));
  const pageText = await page.textContent('body');
  check('the experiment arm and the model version are not shown',
    !/personalised|control|model_version|模型版本|实验组|对照组/.test(pageText));
  await noOverflow(page, '/learn/');
  await shot(page, 'learn-feed.png', false);

  // ------------------------------------------------------------ 不感兴趣
  const gone = feed.find((c) => c.kind !== 'review');
  const before = events.length;
  await page.click(`#feed .feed-card[data-item-id="${gone.id}"] .feed-dismiss`);
  await page.locator(`#feed .feed-card[data-item-id="${gone.id}"]`).waitFor({ state: 'detached', timeout: 8000 })
    .catch(() => check('the dismissed card leaves the page', false));
  const dismissal = events.slice(before).find((e) => e.kind === 'dismiss');
  check('不感兴趣 posts a dismiss event', dismissal && dismissal.item_id === gone.id, JSON.stringify(dismissal || null));
  if (dismissal) {
    check('the dismiss event carries a UUID client id', UUID.test(dismissal.client_id || ''), dismissal.client_id);
    check('the dismiss event is stored (201)', (await statusOf(dismissal)) === 201);
  }
  await page.reload({ waitUntil: 'load' });
  await cards.first().waitFor({ timeout: 10000 });
  await page.waitForFunction(() => !document.querySelector('#feed[aria-busy]'));
  check('after a reload the dismissed item is still gone',
    await page.locator(`#feed .feed-card[data-item-id="${gone.id}"]`).count() === 0);

  // 加载更多 adds cards that were not there.
  const shownBefore = await cards.count();
  if (await page.locator('#feed-more').isVisible()) {
    await page.click('#feed-more');
    await until('加载更多 adds cards', async () => (await cards.count()) > shownBefore);
    const ids = await cards.evaluateAll((nodes) => nodes.map((n) => n.dataset.key));
    check('no card is shown twice', new Set(ids).size === ids.length, ids.join(','));
  } else {
    check('the feed offers 加载更多', false);
  }

  // ------------------------------------------------------------ the reader
  const start = await progressNow(page);
  const pick = await cards.evaluateAll((nodes) => nodes
    .filter((n) => n.dataset.kind !== 'review')
    .map((n) => ({ id: Number(n.dataset.itemId), title: n.querySelector('.feed-title').textContent,
      reason: n.querySelector('.reason').textContent }))
    .find((c) => c.reason.includes('招投标')) || null);
  const target = pick || { id: feed[1].id, title: feed[1].title };
  const item = await (await page.request.get(`${baseUrl}/api/items/${target.id}`)).json();
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/learn/item.html', { timeout: 8000 }),
    page.click(`#feed .feed-card[data-item-id="${target.id}"] .feed-title a`),
  ]);
  await page.locator('#item-body h2, #item-body p').first().waitFor({ timeout: 8000 });
  check('the reader shows the title', (await page.textContent('#item-title')) === item.title);
  check('the reader shows the study minutes', (await page.textContent('#item-minutes')).includes(`${item.minutes} 分钟`));
  check('the reader shows the rendered body', (await page.locator('#item-body > *').count()) > 2);
  await until('the reader posts open', async () => events.some((e) => e.kind === 'open' && e.item_id === item.id));
  check('no progress is posted before the cadre scrolls',
    !events.some((e) => e.kind === 'progress' && e.item_id === item.id));
  check('the page is not complete before the cadre reaches the end',
    (await page.getAttribute('#reader', 'data-completed')) === null);
  await noOverflow(page, 'the reader');
  await shot(page, 'learn-reader.png', false);

  // Scroll down like a reader, a screen at a time, to the end.
  for (let i = 0; i < 200; i++) {
    const done = await page.evaluate(() => {
      window.scrollBy(0, Math.round(window.innerHeight * 0.3));
      const end = document.getElementById('read-end').getBoundingClientRect();
      return end.top < window.innerHeight;
    });
    await sleep(250);
    if (done) break;
  }
  await until('reaching the end completes the item',
    async () => (await page.getAttribute('#reader', 'data-completed')) === 'true');
  check('the page says the item is complete', (await page.textContent('#complete-status')).includes('已完成学习'),
    await page.textContent('#complete-status'));
  const mine = events.filter((e) => e.item_id === item.id);
  const marks = mine.filter((e) => e.kind === 'progress').map((e) => e.value);
  check('scrolling posts progress marks', marks.length >= 2 && marks.every((v) => [0.25, 0.5, 0.75].includes(v)),
    JSON.stringify(marks));
  check('each progress mark is posted once', new Set(marks).size === marks.length, JSON.stringify(marks));
  check('complete is posted once', mine.filter((e) => e.kind === 'complete').length === 1);
  const ids = events.map((e) => e.client_id);
  check('every event has its own UUID client id', ids.every((id) => UUID.test(id || '')) && new Set(ids).size === ids.length);
  const completion = mine.find((e) => e.kind === 'complete');
  if (completion) check('the completion is stored (201)', (await statusOf(completion)) === 201);
  const after = await progressNow(page);
  check('the year\'s study minutes rise by the item\'s minutes', after.minutes_year - start.minutes_year === item.minutes,
    `${start.minutes_year} → ${after.minutes_year}, item ${item.minutes}`);
  check('hours_year grew', after.hours_year > start.hours_year, `${start.hours_year} → ${after.hours_year}`);
  check('the completed count grew', after.completed === start.completed + 1);

  // ------------------------------------------------------------ the quiz
  const questions = page.locator('#questions .quiz-question');
  check('the item\'s questions are shown as a quiz', (await questions.count()) === item.questions.length,
    `${await questions.count()} of ${item.questions.length}`);
  check('the quiz gives no answers away', !(await page.locator('#quiz .choice-right').count()));
  const wrongQ = item.questions[0];
  const right = rightAnswer(wrongQ.id);
  const wrongChoice = wrongQ.choices.findIndex((_, i) => !right.includes(i));
  const wrongBox = page.locator(`#q-${wrongQ.id}`);
  await wrongBox.locator(`.quiz-choice[data-index="${wrongChoice}"]`).click();
  // The first post is lost on the network: the page must try once more with the same client id.
  let aborted = 0;
  await page.route(`**/api/questions/${wrongQ.id}/answer`, (route) => {
    if (aborted++ === 0) { lostOnPurpose++; return route.abort('failed'); }
    return route.continue();
  });
  const sentBefore = answers.length;
  await wrongBox.locator('button[type=submit]').click();
  await wrongBox.locator('.answer-result').waitFor({ timeout: 10000 })
    .catch(() => check('the answer is judged', false));
  await page.unroute(`**/api/questions/${wrongQ.id}/answer`);
  const posts = answers.slice(sentBefore);
  check('a lost answer is posted again once', posts.length === 2, String(posts.length));
  if (posts.length === 2) {
    check('the retry has the same client id', posts[0].client_id === posts[1].client_id && UUID.test(posts[0].client_id || ''));
    check('the retried answer is stored (200)', (await statusOf(posts[1])) === 200);
  }
  const verdict = await wrongBox.locator('.answer-result').textContent();
  check('a wrong answer says 错误', verdict.includes('错误'), verdict);
  const explanation = await wrongBox.locator('.answer-explanation').textContent().catch(() => '');
  check('the explanation is shown', explanation.startsWith('解析：') && explanation.length > 5, explanation);
  check('the right answer is highlighted', await wrongBox.locator('.choice-right').count() === right.length);
  check('the wrong choice is marked', await wrongBox.locator('.choice-wrong').count() === 1);
  check('mastery is shown', await wrongBox.locator('.answer-mastery .mastery-row').count() >= 1);
  const review = await wrongBox.locator('.answer-review').textContent();
  check('the next review date is shown', /下次复习：\d+月\d+日/.test(review), review);
  check('the choices are locked after answering', await wrongBox.locator('input:not([disabled])').count() === 0);

  if (item.questions.length > 1) {
    const rightQ = item.questions[1];
    const answer = rightAnswer(rightQ.id);
    const box = page.locator(`#q-${rightQ.id}`);
    for (const i of answer) await box.locator(`.quiz-choice[data-index="${i}"]`).click();
    await box.locator('button[type=submit]').click();
    await box.locator('.answer-result').waitFor({ timeout: 8000 }).catch(() => {});
    check('a right answer says 正确', ((await box.locator('.answer-result').textContent().catch(() => '')) || '').includes('正确'));
  }
  await noOverflow(page, 'the quiz');
  await wrongBox.scrollIntoViewIfNeeded();
  if (shotDir) await page.locator('#quiz').screenshot({ path: path.join(shotDir, 'learn-quiz.png') });

  // ------------------------------------------------------------ 我的学习
  const progress = await progressNow(page);
  const scheduled = [...(progress.reviews_due || []), ...(progress.reviews_upcoming || [])];
  check('the wrong answer is scheduled for review', scheduled.some((r) => r.question_id === wrongQ.id),
    JSON.stringify(scheduled));
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/learn/progress.html', { timeout: 8000 }),
    page.click('.tabbar a[href="/learn/progress.html"]'),
  ]);
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 8000 }).catch(() => {});
  const hours = Number(await page.textContent('#hours-value'));
  check('我的学习 shows this year\'s hours', Math.abs(hours - progress.hours_year) < 0.01, `${hours} vs ${progress.hours_year}`);
  check('我的学习 shows the 40-hour target', (await page.textContent('.hours-unit')).includes('40'));
  check('the hours bar is filled in', Number(await page.getAttribute('#hours-bar', 'value')) >= 0);
  check('the pace is explained', CHINESE.test(await page.textContent('#hours-pace')));
  const rows = page.locator('#mastery .mastery-row');
  check('mastery is shown per discipline', (await rows.count()) === progress.mastery.length && progress.mastery.length >= 6,
    String(await rows.count()));
  check('disciplines without answers say 暂无数据', (await page.locator('#mastery .mastery-empty').count()) ===
    progress.mastery.filter((m) => m.value === null).length &&
    (await page.locator('#mastery .mastery-empty .mastery-value').first().textContent()) === '暂无数据');
  check('answered disciplines have a bar', (await page.locator('#mastery progress.bar').count()) ===
    progress.mastery.filter((m) => m.value !== null).length && progress.mastery.some((m) => m.value !== null));
  const reviewRow = page.locator(`.review-row[data-question-id="${wrongQ.id}"]`);
  check('the review is listed on 我的学习', (await reviewRow.count()) === 1);
  check('the review names the question', ((await reviewRow.textContent().catch(() => '')) || '').includes(wrongQ.stem));
  check('the completed count is shown', (await page.textContent('#completed')).startsWith(String(progress.completed)));
  await noOverflow(page, '我的学习');
  await shot(page, 'learn-progress.png');

  // The review's link leads to its question in the reader.
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/learn/item.html', { timeout: 8000 }),
    reviewRow.locator('a').click(),
  ]);
  await page.locator(`#q-${wrongQ.id}.quiz-focus`).waitFor({ timeout: 8000 })
    .catch(() => check('the review link opens its question', false));

  // The completed item has left the feed.
  await page.click('.tabbar a[href="/learn/"]');
  await cards.first().waitFor({ timeout: 10000 });
  await page.waitForFunction(() => !document.querySelector('#feed[aria-busy]'));
  check('a completed item leaves the feed', await page.locator(`#feed .feed-card[data-item-id="${item.id}"]`).count() === 0);

  // A day later the wrongly answered question is due: it comes back in the feed as a review.
  execFileSync('sqlite3', [db, `UPDATE reviews SET due_at = unixepoch() - 60 WHERE question_id = ${Number(wrongQ.id)}`]);
  await page.click('#feed-refresh');
  const reviewCard = page.locator(`#feed .feed-card[data-key="q${Number(wrongQ.id)}"]`);
  await reviewCard.waitFor({ timeout: 10000 }).catch(() => {});
  check('the wrong answer comes back in the feed as a due review', (await reviewCard.count()) === 1);
  if (await reviewCard.count() === 1) {
    check('the review card says 复习', ((await reviewCard.locator('.badge').textContent()) || '') === '复习');
    check('its reason says it is due', /该复习/.test((await reviewCard.locator('.reason').textContent()) || ''));
    await shot(page, 'learn-feed-review.png', false);
  }

  // ------------------------------------------------------------ sign out; the front page
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login.html', { timeout: 8000 }),
    page.click('.tabbar [data-logout]'),
  ]);
  await page.goto(baseUrl + '/', { waitUntil: 'load' });
  check('a signed-out visitor sees the welcome', await page.locator('#welcome').isVisible());
  check('the welcome links to 登录', (await page.getAttribute('#welcome-login', 'href')) === '/login.html');
  await page.locator('#health-summary.status-ok').waitFor({ timeout: 5000 }).catch(() => {});
  check('the front page still shows the service status', (await page.textContent('#health-summary')) === '服务运行正常');
  check('a signed-out visitor stays on the front page', new URL(page.url()).pathname === '/');
  await noOverflow(page, 'the front page');
  await shot(page, 'learn-home.png');
  await context.close();

  // ------------------------------------------------------------ desktop
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const wide = await desk.newPage();
  watch(wide);
  await signIn(wide);
  await wide.locator('#feed .feed-card').first().waitFor({ timeout: 10000 });
  check('on a desktop the header carries the navigation', await wide.locator('.learn-topnav').isVisible());
  check('on a desktop the tab bar is hidden', !(await wide.locator('.tabbar').isVisible()));
  check('the header greets the cadre', (await wide.textContent('#whoami')).length > 0);
  await shot(wide, 'learn-feed-desktop.png', false);
  await wide.click('#feed .feed-card .feed-title a');
  await wide.locator('#item-body > *').first().waitFor({ timeout: 8000 });
  await shot(wide, 'learn-reader-desktop.png', false);
  await wide.goBack();
  await wide.click('.learn-topnav a[href="/learn/progress.html"]');
  await wide.locator('body[data-loaded="true"]').waitFor({ timeout: 8000 }).catch(() => {});
  await shot(wide, 'learn-progress-desktop.png');
  await desk.close();

  check('no console errors (CSP included)', consoleErrors.length === 0, consoleErrors.join(' | '));
} finally {
  await browser.close();
}
console.log(`learn: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

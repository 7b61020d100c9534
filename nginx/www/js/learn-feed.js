// learn-feed.js — the cadre's feed (/learn/): cards with the form, the study
// minutes, a few tags and, first of all, why each one was pushed. 不感兴趣
// posts a dismiss event and takes the card away; 刷新 asks again, 加载更多
// asks for a longer feed and adds what is new.
//
// The feed's arm and model version are for supervisors: never shown here.

import { api } from './api.js';
import {
  el, say, requireCadre, sendEvent, itemChips, learnKindLabel, minutesText,
} from './learn-common.js';

const FIRST = 10;
const STEP = 10;
const MOST = 50;  // the API's largest limit

const list = document.getElementById('feed');
const status = document.getElementById('feed-status');
const notice = document.getElementById('page-notice');
const empty = document.getElementById('feed-empty');
const more = document.getElementById('feed-more');
const refresh = document.getElementById('feed-refresh');

let limit = FIRST;
let loading = false;
const shown = new Set();      // keys of the cards on the page
const dismissed = new Set();  // item ids dismissed in this visit

function keyOf(item) {
  return item.kind === 'review' && item.question_id ? `q${item.question_id}` : `i${item.id}`;
}

function readerHref(item) {
  const params = new URLSearchParams({ id: String(item.id) });
  if (item.question_id) params.set('q', String(item.question_id));
  return 'item.html?' + params.toString() + (item.question_id ? `#q-${item.question_id}` : '');
}

function reasonLine(item) {
  const texts = (item.reasons || []).map((r) => r && r.text).filter(Boolean);
  if (!texts.length) return null;
  return el('p', { class: 'reason' },
    el('span', { class: 'reason-label', text: '推荐理由：' }),
    el('span', { class: 'reason-text', text: texts.join('；') }));
}

function card(item) {
  const kind = item.kind === 'review' ? 'review' : item.kind;
  const href = readerHref(item);
  const node = el('li', { class: 'card feed-card', dataset: { itemId: String(item.id), key: keyOf(item), kind } },
    el('div', { class: 'feed-meta' },
      el('span', { class: `badge badge-kind-${kind}`, text: learnKindLabel(kind) }),
      item.mandatory ? el('span', { class: 'badge badge-mandatory', text: '必学' }) : null,
      el('span', { class: 'feed-minutes', title: '完成后计入的学时', text: `学时 ${minutesText(item.minutes)}` })),
    el('h3', { class: 'feed-title' }, el('a', { href, text: item.title || '（无标题）' })),
    reasonLine(item),
    item.summary ? el('p', { class: 'feed-summary', text: item.summary }) : null,
    itemChips(item.tags, 4));
  const actions = el('div', { class: 'feed-actions' },
    el('a', { class: 'button button-small', href, text: kind === 'review' ? '去复习' : '开始学习' }));
  if (kind !== 'review' && !item.mandatory) {
    actions.append(el('button', {
      type: 'button', class: 'button-quiet button-small feed-dismiss', text: '不感兴趣',
      'aria-label': `不感兴趣：${item.title || ''}`, onclick: () => dismiss(node, item),
    }));
  }
  node.append(actions);
  return node;
}

async function dismiss(node, item) {
  const button = node.querySelector('.feed-dismiss');
  button.disabled = true;
  button.textContent = '正在移除…';
  try {
    await sendEvent(item.id, 'dismiss');
  } catch (err) {
    button.disabled = false;
    button.textContent = '不感兴趣';
    say(notice, `未能移除：${err.message}`, 'error');
    return;
  }
  dismissed.add(item.id);
  shown.delete(keyOf(item));
  say(notice, `已移除《${item.title}》，今后会少推荐类似内容。`, 'ok');
  node.classList.add('feed-card-gone');
  setTimeout(() => {
    // Keep the focus somewhere sensible for keyboard and screen-reader users.
    const next = node.nextElementSibling || node.previousElementSibling;
    node.remove();
    if (next) {
      const link = next.querySelector('.feed-title a');
      if (link) link.focus({ preventScroll: true });
    }
    afterChange();
    if (list.children.length < 3 && !more.hidden) load(false);
  }, 220);
}

function afterChange() {
  const n = list.children.length;
  empty.hidden = n > 0 || loading;
  status.textContent = n > 0 ? `共 ${n} 条推荐` : '';
}

async function load(reset) {
  if (loading) return;
  loading = true;
  refresh.disabled = true;
  more.disabled = true;
  list.setAttribute('aria-busy', 'true');
  limit = reset ? FIRST : Math.min(MOST, limit + STEP);
  status.textContent = reset ? '正在加载推荐…' : '正在加载更多…';
  let reply;
  try {
    reply = await api('/api/feed', { query: { limit } });
  } catch (err) {
    loading = false;
    refresh.disabled = false;
    more.disabled = false;
    list.removeAttribute('aria-busy');
    status.textContent = '';
    say(notice, `推荐加载失败：${err.message}`, 'error');
    return;
  }
  const items = (reply && reply.items) || [];
  if (reset) {
    list.replaceChildren();
    shown.clear();
  }
  let added = 0;
  for (const item of items) {
    const key = keyOf(item);
    if (shown.has(key) || dismissed.has(item.id)) continue;
    shown.add(key);
    list.append(card(item));
    added++;
  }
  loading = false;
  refresh.disabled = false;
  more.disabled = false;
  list.removeAttribute('aria-busy');
  // A short reply, or nothing new after asking for more: that was all.
  more.hidden = items.length < limit || limit >= MOST || (!reset && added === 0);
  afterChange();
  if (!reset && added === 0) say(notice, '没有更多推荐了，学完这些后再来看看。', 'info');
}

document.addEventListener('DOMContentLoaded', async () => {
  refresh.addEventListener('click', () => { say(notice, ''); load(true); });
  more.addEventListener('click', () => load(false));
  let me;
  try {
    me = await requireCadre(notice);
  } catch (err) {
    status.textContent = '';
    if (err.status !== 401) say(notice, err.message, 'error');
    return;
  }
  if (!me) {
    status.textContent = '';
    refresh.hidden = true;
    return;
  }
  await load(true);
});

// editor-list.js — the editor's library: search, filters by tag, kind and
// status, paging. The filters live in the address (?q=&tag=&kind=&status=&page=)
// so a reload or the back button keeps them.

import { api } from './api.js';
import {
  el, say, loadTags, fillTagSelect, tagChips, kindLabel, statusLabel, requireEditor, formatTime,
} from './ui.js';

const PAGE_SIZE = 20;
const FILTERS = ['q', 'tag', 'kind', 'status'];

let tagIndex = null;
let loadCount = 0;

function readState() {
  const params = new URLSearchParams(location.search);
  const state = { page: Math.max(1, parseInt(params.get('page') || '1', 10) || 1) };
  for (const key of FILTERS) state[key] = params.get(key) || '';
  return state;
}

function writeState(state) {
  const params = new URLSearchParams();
  for (const key of FILTERS) if (state[key]) params.set(key, state[key]);
  if (state.page > 1) params.set('page', String(state.page));
  const text = params.toString();
  history.replaceState(null, '', location.pathname + (text ? '?' + text : ''));
}

function formState() {
  return {
    q: document.getElementById('f-q').value.trim(),
    tag: document.getElementById('f-tag').value,
    kind: document.getElementById('f-kind').value,
    status: document.getElementById('f-status').value,
    page: 1,
  };
}

function fillForm(state) {
  document.getElementById('f-q').value = state.q;
  document.getElementById('f-tag').value = state.tag;
  document.getElementById('f-kind').value = state.kind;
  document.getElementById('f-status').value = state.status;
}

// The editor's list sees every status; /api/search would show learners' view.
function fetchPage(state) {
  return api('/api/editor/items', {
    query: {
      q: state.q, tag: state.tag, kind: state.kind, status: state.status,
      limit: PAGE_SIZE, offset: (state.page - 1) * PAGE_SIZE,
    },
  });
}

function row(item) {
  const status = item.status || 'draft';
  const version = item.version ?? item.current_version;
  const meta = el('p', { class: 'item-meta' },
    el('span', { class: 'badge badge-kind-' + (item.kind || 'other'), text: kindLabel(item.kind) }),
    el('span', { class: 'badge badge-status-' + status, text: statusLabel(status) }),
    version !== undefined && version !== null ? el('span', { class: 'item-version', text: `第 ${version} 版` }) : null,
    item.minutes ? el('span', { class: 'muted', text: `${item.minutes} 分钟` }) : null,
    Number.isInteger(item.question_count) ? el('span', { class: 'muted', text: `${item.question_count} 道题` }) : null,
    item.updated_at ? el('span', { class: 'muted', text: '更新于 ' + formatTime(item.updated_at) }) : null);
  return el('li', { class: 'item-row', dataset: { id: item.id, status } },
    el('a', { class: 'item-title', href: `/editor/item.html?id=${encodeURIComponent(item.id)}`, text: item.title || '（无标题）' }),
    meta,
    item.tags && item.tags.length ? tagChips(item.tags, tagIndex) : null);
}

async function load(state) {
  const ticket = ++loadCount;
  const list = document.getElementById('results');
  const count = document.getElementById('result-count');
  const notice = document.getElementById('page-notice');
  count.textContent = '正在加载…';
  list.setAttribute('aria-busy', 'true');
  try {
    const reply = await fetchPage(state);
    if (ticket !== loadCount) return;  // a newer search answered first
    const items = (reply && reply.items) || [];
    const total = Number.isFinite(reply && reply.total) ? reply.total : items.length;
    list.replaceChildren(...items.map(row));
    if (!items.length) {
      list.append(el('li', { class: 'empty', text: state.q || state.tag || state.kind || state.status
        ? '没有符合条件的条目，请换个关键词或放宽筛选条件。' : '内容库还是空的，先新建一个条目或批量导入。' }));
    }
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    count.textContent = `共 ${total} 条`;
    document.getElementById('page-info').textContent = `第 ${state.page} / ${pages} 页`;
    document.getElementById('page-prev').disabled = state.page <= 1;
    document.getElementById('page-next').disabled = state.page >= pages;
    say(notice, '');
  } catch (err) {
    if (ticket !== loadCount) return;
    count.textContent = '';
    list.replaceChildren();
    say(notice, '加载内容库失败：' + err.message, 'error');
  } finally {
    list.removeAttribute('aria-busy');
  }
}

function go(state) {
  writeState(state);
  load(state);
}

document.addEventListener('DOMContentLoaded', async () => {
  const notice = document.getElementById('page-notice');
  let me;
  try {
    me = await requireEditor(notice);
  } catch (err) {
    say(notice, err.message, 'error');
    return;
  }
  if (!me) return;
  try {
    tagIndex = await loadTags();
    fillTagSelect(document.getElementById('f-tag'), tagIndex);
  } catch (err) {
    say(notice, '标签加载失败：' + err.message, 'error');
  }
  const state = readState();
  fillForm(state);

  document.getElementById('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    go(formState());
  });
  // Pickers apply at once; the keyword waits for the search button or Enter.
  for (const id of ['f-tag', 'f-kind', 'f-status']) {
    document.getElementById(id).addEventListener('change', () => go(formState()));
  }
  document.getElementById('search-reset').addEventListener('click', () => {
    fillForm({ q: '', tag: '', kind: '', status: '' });
    go(formState());
  });
  document.getElementById('page-prev').addEventListener('click', () => {
    const current = readState();
    go({ ...current, page: Math.max(1, current.page - 1) });
  });
  document.getElementById('page-next').addEventListener('click', () => {
    const current = readState();
    go({ ...current, page: current.page + 1 });
  });
  load(state);
});

// ui.js — small DOM helpers and the Chinese labels the editor pages share.
//
// Text always goes in through textContent (el() never sets innerHTML), so
// nothing a user typed can become markup.

import { api, logout, rememberSession, goToLogin } from './api.js';

export const KIND_LABELS = { case: '案例', lesson: '微课', quiz: '测试题' };
export const STATUS_LABELS = { draft: '草稿', published: '已发布', retired: '已下架' };
export const TAG_KIND_LABELS = {
  discipline: '纪律', risk: '风险点', industry: '行业', category: '对象', region: '地区', form: '新型形态',
};
export const TAG_KIND_ORDER = ['discipline', 'risk', 'industry', 'category', 'region', 'form'];
// The order editors know the tags in (the six disciplines as the regulations
// list them, regions north to south…); tags added later follow in the
// server's order.
const TAG_ORDER = [
  'discipline.political', 'discipline.organisational', 'discipline.integrity', 'discipline.mass',
  'discipline.work', 'discipline.life', 'discipline.family',
  'risk.tendering', 'risk.construction', 'risk.fund_approval', 'risk.credit_approval', 'risk.procurement',
  'risk.appointments', 'risk.law_enforcement', 'risk.licensing', 'risk.medical_procurement',
  'risk.data_security', 'risk.admissions', 'risk.research_funds', 'risk.state_assets', 'risk.subsidies',
  'industry.government', 'industry.soe', 'industry.finance', 'industry.health', 'industry.education',
  'industry.police', 'industry.construction', 'industry.natural_resources', 'industry.agriculture',
  'category.leading', 'category.middle', 'category.grassroots', 'category.new_hire',
  'region.north', 'region.northeast', 'region.east', 'region.central', 'region.south',
  'region.southwest', 'region.northwest',
  'form.crypto_bribe', 'form.option_corruption', 'form.shadow_company', 'form.online_gambling',
  'form.livestream_tipping', 'form.data_leak',
];
const TAG_RANK = new Map(TAG_ORDER.map((code, i) => [code, i]));
function tagRank(code) { return TAG_RANK.has(code) ? TAG_RANK.get(code) : TAG_ORDER.length; }

export const QUESTION_TYPE_LABELS = { single: '单选题', multiple: '多选题', truefalse: '判断题' };
export const DIFFICULTY_LABELS = { 1: '1 入门', 2: '2 基础', 3: '3 中等', 4: '4 较难', 5: '5 困难' };

// el('p', {class: 'x', text: '…', onclick: fn, dataset: {…}}, child, 'text', …)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// Shows 'text' in a message box (kind: ok | error | info); empty text hides it.
export function say(box, text, kind = 'info') {
  box.textContent = text || '';
  box.className = 'notice notice-' + kind;
  box.hidden = !text;
}

export function kindLabel(kind) { return KIND_LABELS[kind] || kind || '—'; }
export function statusLabel(status) { return STATUS_LABELS[status] || status || '—'; }

// The tags, fetched once per page: {list, byCode: Map, byKind: Map(kind → [tag])}.
let tagsPromise = null;
export function loadTags() {
  if (!tagsPromise) {
    tagsPromise = api('/api/tags').then((reply) => {
      const list = (reply && reply.tags) || [];
      const byCode = new Map(list.map((t) => [t.code, t]));
      const byKind = new Map();
      for (const kind of TAG_KIND_ORDER) byKind.set(kind, []);
      for (const tag of list) {
        if (!byKind.has(tag.kind)) byKind.set(tag.kind, []);
        byKind.get(tag.kind).push(tag);
      }
      for (const tags of byKind.values()) {
        // Array.prototype.sort is stable: unknown tags keep the server's order.
        tags.sort((a, b) => tagRank(a.code) - tagRank(b.code));
      }
      return { list, byCode, byKind };
    }).catch((err) => { tagsPromise = null; throw err; });
  }
  return tagsPromise;
}

// Tags in a reply may be codes or {code, label} objects: always give codes.
export function tagCodes(tags) {
  return (tags || []).map((t) => (typeof t === 'string' ? t : t && t.code)).filter(Boolean);
}

export function tagLabel(tag, tagIndex) {
  if (tag && typeof tag === 'object') return tag.label || tag.code;
  const known = tagIndex && tagIndex.byCode.get(tag);
  return known ? known.label : tag;
}

const KIND_RANK = { discipline: 0, risk: 1, form: 2, category: 3, industry: 4, region: 5 };
// Chips read discipline first, then risk, novel form, category, industry, region.
function chipRank(tag, tagIndex) {
  const code = typeof tag === 'string' ? tag : tag && tag.code;
  const known = tagIndex && tagIndex.byCode.get(code);
  const kind = (known && known.kind) || (code || '').split('.')[0];
  return (KIND_RANK[kind] ?? 6) * 1000 + tagRank(code);
}

// Little grey chips naming the tags of an item.
export function tagChips(tags, tagIndex) {
  const sorted = (tags || []).slice().sort((a, b) => chipRank(a, tagIndex) - chipRank(b, tagIndex));
  return el('ul', { class: 'chips chips-static' },
    sorted.map((tag) => {
      const code = typeof tag === 'string' ? tag : tag.code;
      const known = tagIndex && tagIndex.byCode.get(code);
      return el('li', { class: 'chip chip-' + (known ? known.kind : 'other'), title: code, text: tagLabel(tag, tagIndex) });
    }));
}

// A picker of tags: one group of toggle chips (checkboxes) per tag kind.
// Returns {node, get() → [codes], set([codes])}.
export function tagPicker(tagIndex, { idPrefix, kinds = TAG_KIND_ORDER, name = 'tags' } = {}) {
  const node = el('div', { class: 'tag-picker' });
  for (const kind of kinds) {
    const tags = tagIndex.byKind.get(kind) || [];
    if (!tags.length) continue;
    const group = el('fieldset', { class: 'tag-group', dataset: { kind } },
      el('legend', { text: TAG_KIND_LABELS[kind] || kind }));
    const list = el('div', { class: 'chips' });
    for (const tag of tags) {
      const id = `${idPrefix}-${tag.code.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
      list.append(el('span', { class: 'chip-toggle' },
        el('input', { type: 'checkbox', id, name, value: tag.code, class: 'visually-hidden-input' }),
        el('label', { for: id, class: 'chip chip-' + kind, title: tag.code, text: tag.label })));
    }
    group.append(list);
    node.append(group);
  }
  return {
    node,
    get() {
      return [...node.querySelectorAll('input[type=checkbox]:checked')].map((input) => input.value);
    },
    set(codes) {
      const wanted = new Set(codes || []);
      for (const input of node.querySelectorAll('input[type=checkbox]')) input.checked = wanted.has(input.value);
    },
  };
}

// Fills a <select> with the tags grouped by kind, after a first "all" option.
export function fillTagSelect(select, tagIndex, allLabel = '全部标签') {
  select.replaceChildren(el('option', { value: '', text: allLabel }));
  for (const kind of TAG_KIND_ORDER) {
    const tags = tagIndex.byKind.get(kind) || [];
    if (!tags.length) continue;
    select.append(el('optgroup', { label: TAG_KIND_LABELS[kind] },
      tags.map((tag) => el('option', { value: tag.code, text: tag.label }))));
  }
}

export function formatTime(value) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// The editor pages need an editor or an admin: checks /api/me (401 sends the
// browser to the login page), fills the user's name in the header and wires
// the logout button. Resolves to the user, or null when the role is wrong
// (after showing why in 'box').
export async function requireEditor(box) {
  const me = await api('/api/me');
  if (me && me.csrf_token) rememberSession(me, me.csrf_token);
  const who = document.getElementById('whoami');
  if (who && me) who.textContent = `${me.name || me.login}（${roleLabel(me.role)}）`;
  const out = document.getElementById('logout');
  if (out) out.addEventListener('click', () => { logout(); });
  if (!me || (me.role !== 'editor' && me.role !== 'admin')) {
    say(box, '当前账号没有内容编辑权限，请使用编辑或管理员账号登录。', 'error');
    return null;
  }
  return me;
}

export function roleLabel(role) {
  return { cadre: '干部', editor: '内容编辑', supervisor: '监督员', admin: '管理员' }[role] || role || '';
}

export { goToLogin };

export const CATEGORY_LABELS = { leading: '领导干部', middle: '中层干部', grassroots: '基层干部', new_hire: '新入职干部' };
export function categoryLabel(category) { return CATEGORY_LABELS[category] || category || '—'; }

// The supervisor's pages need a supervisor or an admin: checks /api/me (401
// opens the login page), greets the user and wires every [data-logout]
// button. Resolves to the user, or null for another role after saying so in
// 'box' in Chinese, with a way back to the user's own pages.
export async function requireSupervisor(box) {
  for (const button of document.querySelectorAll('[data-logout]')) {
    button.addEventListener('click', () => { button.disabled = true; logout(); });
  }
  const me = await api('/api/me');
  if (me && me.csrf_token) rememberSession(me, me.csrf_token);
  const who = document.getElementById('whoami');
  if (who && me) who.textContent = `${me.name || me.login}（${roleLabel(me.role)}）`;
  if (!me || (me.role !== 'supervisor' && me.role !== 'admin')) {
    const home = me && me.role === 'cadre' ? el('a', { href: '/learn/', text: '返回我的学习' })
      : me && me.role === 'editor' ? el('a', { href: '/editor/', text: '返回内容编辑工作台' }) : '';
    box.replaceChildren('无权访问：学习监督只对监督员和管理员开放。', home);
    box.className = 'notice notice-error refusal';
    box.hidden = false;
    return null;
  }
  return me;
}

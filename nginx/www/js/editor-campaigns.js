// editor-campaigns.js — 专题学习 (/editor/campaigns.html): the editor creates,
// edits and ends mandatory study campaigns: items picked by search, an
// optional quiz pass mark, a target (units, categories, industries, risks,
// named cadres) and two dates. Errors name the field the server refused.

import { api } from './api.js';
import { el, say, requireEditor, loadTags, kindLabel } from './ui.js';

const notice = document.getElementById('page-notice');
const formNotice = document.getElementById('form-notice');
const form = document.getElementById('campaign-form');
const chosen = document.getElementById('c-items');
const results = document.getElementById('c-results');
const quiz = document.getElementById('c-quiz');
const passWrap = document.getElementById('c-pass-wrap');

const FIELD_LABELS = {
  title: '标题', start: '开始日期', deadline: '截止日期', items: '必学内容', pass_mark: '及格线',
  questions: '测验题', 'target.units': '单位', 'target.categories': '干部类别',
  'target.industries': '行业', 'target.risks': '岗位风险点', 'target.users': '指定干部',
};
const STATE_LABELS = { active: '进行中', closed: '已结束' };

let editing = null;          // the id of the campaign in the form, or null for a new one
const items = new Map();     // id → {id, title, kind}
let tagPickers = [];

function localDate(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function showChosen() {
  chosen.replaceChildren(...[...items.values()].map((item) => el('li', { class: 'pick', dataset: { id: String(item.id) } },
    el('span', { class: 'pick-title', text: `${kindLabel(item.kind)} · ${item.title}` }),
    el('button', {
      type: 'button', class: 'button-quiet button-small', text: '移除', 'aria-label': `移除：${item.title}`,
      onclick: () => { items.delete(item.id); showChosen(); },
    }))));
  document.getElementById('c-items-none').hidden = items.size > 0;
}

async function search() {
  const text = document.getElementById('c-search').value.trim();
  results.replaceChildren(el('li', { class: 'muted small', text: '正在搜索…' }));
  try {
    const reply = await api('/api/search', { query: { q: text } });
    const found = (reply.items || []).filter((i) => i.status === 'published').slice(0, 20);
    results.replaceChildren(...found.map((item) => el('li', { class: 'pick' },
      el('span', { class: 'pick-title', text: `${kindLabel(item.kind)} · ${item.title}` }),
      el('button', {
        type: 'button', class: 'button-secondary button-small', text: items.has(item.id) ? '已选' : '加入',
        disabled: items.has(item.id), 'aria-label': `加入：${item.title}`,
        onclick: (event) => {
          items.set(item.id, item);
          event.currentTarget.disabled = true;
          event.currentTarget.textContent = '已选';
          showChosen();
        },
      }))));
    if (!found.length) results.replaceChildren(el('li', { class: 'muted small', text: '没有找到已发布的内容。' }));
  } catch (err) {
    results.replaceChildren(el('li', { class: 'notice notice-error', text: err.message }));
  }
}

function selectedValues(select) {
  return [...select.selectedOptions].map((o) => o.value);
}

function body() {
  const target = {};
  const units = selectedValues(document.getElementById('c-units')).map(Number);
  if (units.length) target.units = units;
  const categories = [...document.querySelectorAll('#c-categories input:checked')].map((i) => i.value);
  if (categories.length) target.categories = categories;
  for (const picker of tagPickers) {
    const codes = picker.get();
    if (codes.length) target[picker.field] = codes;
  }
  const users = document.getElementById('c-users').value.split(/[,，\s]+/).filter(Boolean).map(Number);
  if (users.length) target.users = users;
  const out = {
    title: document.getElementById('c-title').value.trim(),
    items: [...items.keys()],
    target,
    start: document.getElementById('c-start').value,
    deadline: document.getElementById('c-deadline').value,
  };
  const description = document.getElementById('c-description').value.trim();
  if (description) out.description = description;
  if (quiz.checked) out.pass_mark = Number(document.getElementById('c-pass').value) / 100;
  return out;
}

function resetForm() {
  editing = null;
  form.reset();
  items.clear();
  showChosen();
  results.replaceChildren();
  document.getElementById('c-start').value = localDate(0);
  document.getElementById('c-deadline').value = localDate(7);
  passWrap.hidden = true;
  for (const picker of tagPickers) picker.set([]);
  document.getElementById('form-title').textContent = '新建专题学习';
  document.getElementById('c-save').textContent = '创建专题学习';
  document.getElementById('c-new').hidden = true;
  say(formNotice, '');
}

async function edit(id) {
  const c = await api(`/api/editor/campaigns/${id}`);
  resetForm();
  editing = id;
  document.getElementById('c-title').value = c.title;
  document.getElementById('c-description').value = c.description || '';
  document.getElementById('c-start').value = c.start;
  document.getElementById('c-deadline').value = c.deadline;
  for (const item of c.items) items.set(item.id, item);
  showChosen();
  quiz.checked = c.pass_mark !== null;
  passWrap.hidden = !quiz.checked;
  if (quiz.checked) document.getElementById('c-pass').value = Math.round(c.pass_mark * 100);
  const t = c.target || {};
  for (const o of document.getElementById('c-units').options) o.selected = (t.units || []).includes(Number(o.value));
  for (const i of document.querySelectorAll('#c-categories input')) i.checked = (t.categories || []).includes(i.value);
  for (const picker of tagPickers) picker.set(t[picker.field] || []);
  document.getElementById('c-users').value = (t.users || []).join(', ');
  document.getElementById('form-title').textContent = `编辑：${c.title}`;
  document.getElementById('c-save').textContent = '保存修改';
  document.getElementById('c-new').hidden = false;
  form.scrollIntoView({ behavior: 'smooth' });
}

async function close(c) {
  if (!window.confirm(`结束「${c.title}」？结束后不再出现在干部的推荐中，也不能再修改。`)) return;
  try {
    await api(`/api/editor/campaigns/${c.id}/close`, { method: 'POST' });
    say(notice, `已结束「${c.title}」。`, 'ok');
    await list();
  } catch (err) {
    say(notice, err.message, 'error');
  }
}

async function list() {
  const reply = await api('/api/editor/campaigns');
  const box = document.getElementById('campaigns');
  box.replaceChildren(...reply.campaigns.map((c) => el('li', { class: 'campaign-row', dataset: { id: String(c.id) } },
    el('div', {},
      el('strong', { text: c.title }), ' ',
      el('span', { class: `badge badge-status-${c.status === 'active' ? 'published' : 'retired'}`, text: STATE_LABELS[c.status] || c.status })),
    el('p', { class: 'muted small', text: `${c.start} 至 ${c.deadline} · ${c.item_count} 项内容${c.pass_mark !== null ? ` · 及格线 ${Math.round(c.pass_mark * 100)}%` : ''}` }),
    c.status === 'active' ? el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'button-secondary button-small', text: '编辑', onclick: () => edit(c.id) }),
      el('button', { type: 'button', class: 'button-quiet button-small', text: '结束', onclick: () => close(c) }),
      el('a', { class: 'button button-small button-secondary', href: `/supervisor/campaigns.html?id=${c.id}`, text: '完成情况' }))
      : null)));
  document.getElementById('campaigns-none').hidden = reply.campaigns.length > 0;
}

async function save(event) {
  event.preventDefault();
  const data = body();
  if (!data.title) { say(formNotice, '请填写标题。', 'error'); return; }
  if (!data.items.length) { say(formNotice, '请至少选择一项必学内容。', 'error'); return; }
  const button = document.getElementById('c-save');
  button.disabled = true;
  try {
    if (editing) {
      await api(`/api/editor/campaigns/${editing}`, { method: 'PUT', json: data });
      say(notice, `已保存「${data.title}」。`, 'ok');
    } else {
      const reply = await api('/api/editor/campaigns', { json: data });
      say(notice, `已创建「${data.title}」（编号 ${reply.id}），目标干部将在推荐页最前面看到它。`, 'ok');
    }
    resetForm();
    await list();
  } catch (err) {
    const field = err.body && err.body.error && err.body.error.field;
    say(formNotice, field ? `${FIELD_LABELS[field] || field}：${err.message}` : err.message, 'error');
  } finally {
    button.disabled = false;
  }
}

async function main() {
  let me;
  try {
    me = await requireEditor(notice);
  } catch (err) {
    say(notice, err.message, 'error');
    return;
  }
  if (!me) { form.hidden = true; return; }
  const [options, tags] = await Promise.all([api('/api/editor/campaigns/options'), loadTags()]);
  const units = document.getElementById('c-units');
  const depth = new Map();
  for (const u of options.units) depth.set(u.id, u.parent_id ? (depth.get(u.parent_id) ?? 0) + 1 : 0);
  units.replaceChildren(...options.units.map((u) => el('option', { value: String(u.id), text: `${'　'.repeat(depth.get(u.id))}${u.name}` })));
  document.getElementById('c-categories').replaceChildren(...options.categories.map((c) => el('span', { class: 'chip-toggle' },
    el('input', { type: 'checkbox', id: `cat-${c.code}`, value: c.code, class: 'visually-hidden-input' }),
    el('label', { for: `cat-${c.code}`, class: 'chip chip-category', text: c.label }))));
  const tagBox = document.getElementById('c-tags');
  tagPickers = [['industry', 'industries', '行业'], ['risk', 'risks', '岗位风险点']].map(([kind, field, label]) => {
    const group = el('fieldset', { class: 'tag-group', dataset: { kind } }, el('legend', { text: label }));
    const chips = el('div', { class: 'chips' });
    for (const tag of tags.byKind.get(kind) || []) {
      const id = `t-${tag.code.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
      chips.append(el('span', { class: 'chip-toggle' },
        el('input', { type: 'checkbox', id, value: tag.code, class: 'visually-hidden-input' }),
        el('label', { for: id, class: `chip chip-${kind}`, text: tag.label })));
    }
    group.append(chips);
    tagBox.append(group);
    return {
      field,
      get: () => [...chips.querySelectorAll('input:checked')].map((i) => i.value),
      set: (codes) => { for (const i of chips.querySelectorAll('input')) i.checked = codes.includes(i.value); },
    };
  });
  quiz.addEventListener('change', () => { passWrap.hidden = !quiz.checked; });
  document.getElementById('c-search-go').addEventListener('click', search);
  document.getElementById('c-search').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); search(); } });
  document.getElementById('c-new').addEventListener('click', resetForm);
  form.addEventListener('submit', save);
  resetForm();
  await list();
}

main().catch((err) => say(notice, err.message, 'error'));

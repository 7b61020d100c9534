// editor-item.js — the edit form of one item (/editor/item.html?id=N, or no
// id for a new one): fields, tag pickers, live Markdown preview, save (a new
// version each time), publish and retire, the version history and the
// item's quiz questions.

import { api, ApiError } from './api.js';
import {
  el, say, loadTags, tagPicker, tagChips, requireEditor, kindLabel, statusLabel, formatTime,
  QUESTION_TYPE_LABELS, DIFFICULTY_LABELS,
} from './ui.js';
import { renderPreview, renderLocal, showServerHtml } from './markdown.js';

const $ = (id) => document.getElementById(id);

const state = {
  id: null,          // null until saved
  status: null,
  version: null,
  savedPayload: '',  // JSON of the last saved or loaded form, to tell when it changed
  questions: [],
  versions: [],
  viewedVersion: null,
};
let tagIndex = null;
let itemTags = null;      // the item's tag picker
let questionTags = null;  // the question form's tag picker
let editingQuestion = null;  // the question being edited, or null for a new one

// ------------------------------------------------------------------ the item

function formPayload() {
  return {
    kind: document.querySelector('input[name=kind]:checked').value,
    title: $('f-title').value.trim(),
    // The summary is one line (it heads a feed card): line breaks become spaces.
    summary: $('f-summary').value.replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    body_md: $('f-body').value,
    minutes: Number($('f-minutes').value),
    difficulty: Number($('f-difficulty').value),
    tags: itemTags ? itemTags.get() : [],
  };
}

function fillForm(item) {
  const kind = item.kind === 'lesson' ? 'lesson' : 'case';
  $('f-kind-' + kind).checked = true;
  $('f-title').value = item.title || '';
  $('f-summary').value = item.summary || '';
  $('f-body').value = item.body_md || '';
  if (item.minutes !== undefined && item.minutes !== null) $('f-minutes').value = item.minutes;
  if (item.difficulty) $('f-difficulty').value = String(item.difficulty);
  if (itemTags) itemTags.set((item.tags || []).map((t) => (typeof t === 'string' ? t : t.code)));
  updateCounts();
}

function dirty() {
  return JSON.stringify(formPayload()) !== state.savedPayload;
}

// Client-side checks, the same limits the server applies; the first problem or ''.
function problems(payload) {
  if (!payload.title) return ['f-title', '请填写标题'];
  if (!payload.body_md.trim()) return ['f-body', '请填写正文'];
  if (!Number.isInteger(payload.minutes) || payload.minutes < 1 || payload.minutes > 600) {
    return ['f-minutes', '学时须为 1 到 600 之间的整数（分钟）'];
  }
  if (!payload.tags.length) return ['item-tags', '请至少选择一个标签（纪律或风险点）'];
  if (payload.tags.length > 32) return ['item-tags', '标签最多 32 个'];
  return null;
}

function showState() {
  const status = $('item-status');
  if (state.id === null) {
    status.textContent = '未保存';
    status.className = 'badge badge-status-new';
    $('item-version').textContent = '';
    $('item-heading').textContent = '新建条目';
    document.title = '新建条目 · 清风编辑工作台';
  } else {
    status.textContent = statusLabel(state.status);
    status.className = 'badge badge-status-' + (state.status || 'draft');
    $('item-version').textContent = state.version ? `第 ${state.version} 版` : '';
    $('item-heading').textContent = `编辑条目 #${state.id}`;
    document.title = `${$('f-title').value || '编辑条目'} · 清风编辑工作台`;
  }
  const changed = dirty();
  $('save-item').textContent = state.id === null ? '保存草稿' : (changed ? '保存为新版本' : '已保存');
  $('save-item').disabled = state.id !== null && !changed;
  $('publish-item').disabled = state.id === null || (state.status === 'published' && !changed);
  $('publish-item').textContent = state.status === 'published' && !changed ? '已发布'
    : (changed && state.id !== null ? '保存并发布' : '发布');
  $('retire-item').disabled = state.id === null || state.status !== 'published';
  $('questions-card').hidden = state.id === null;
  for (const input of document.querySelectorAll('input[name=kind]')) input.disabled = state.id !== null;
  $('kind-note').hidden = state.id === null;
  $('history-card').hidden = state.id === null;
}

function updateCounts() {
  $('body-count').textContent = `${$('f-body').value.length} 字`;
  const n = itemTags ? itemTags.get().length : 0;
  $('tag-count').textContent = n ? `已选 ${n} 个` : '（至少选一个）';
}

let previewTimer = null;
let previewTicket = 0;
function schedulePreview(delay = 300) {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const ticket = ++previewTicket;
    const container = $('preview');
    try {
      const scratch = document.createElement('div');
      const mode = await renderPreview(scratch, $('f-body').value);
      if (ticket !== previewTicket) return;
      container.replaceChildren(...scratch.childNodes);
      $('preview-mode').textContent = mode === 'server' ? '' : '（本地简易预览）';
    } catch (err) {
      if (ticket !== previewTicket) return;
      renderLocal(container, $('f-body').value);
      $('preview-mode').textContent = `（服务器预览失败：${err.message}）`;
    }
  }, delay);
}

// Applies a reply of create/update/publish/retire ({id, version, status}).
function applyReply(reply) {
  if (!reply) return;
  if (reply.id !== undefined) state.id = reply.id;
  if (reply.version !== undefined) state.version = reply.version;
  if (reply.status !== undefined) state.status = reply.status;
}

async function save() {
  const box = $('item-message');
  const payload = formPayload();
  const problem = problems(payload);
  if (problem) {
    say(box, problem[1], 'error');
    const field = $(problem[0]);
    if (field && field.focus) field.focus();
    return false;
  }
  $('save-item').disabled = true;
  say(box, '正在保存…', 'info');
  try {
    let reply;
    if (state.id === null) {
      reply = await api('/api/editor/items', { method: 'POST', json: payload });
      applyReply(reply);
      history.replaceState(null, '', `/editor/item.html?id=${encodeURIComponent(state.id)}`);
      if (!state.status) state.status = 'draft';
    } else {
      // The kind of an item is fixed once created; 'version' is the one this
      // edit started from, so the server can refuse to overwrite a newer one.
      const { kind, ...patch } = payload;
      reply = await api(`/api/editor/items/${state.id}`, { method: 'PUT', json: { ...patch, version: state.version } });
      applyReply(reply);
      if (reply && reply.version === undefined) await reloadItemState();
    }
    state.savedPayload = JSON.stringify(payload);
    say(box, reply && reply.changed === false ? `内容没有变化，仍为第 ${state.version} 版。`
      : `已保存为第 ${state.version || 1} 版。`, 'ok');
    showState();
    loadVersions();
    return true;
  } catch (err) {
    say(box, '保存失败：' + describe(err), 'error');
    showState();
    return false;
  }
}

// A 4xx reply may name the field at fault: say which one in Chinese.
// The server's message reads "field: reason"; show the field in Chinese.
const FIELD_LABELS = {
  title: '标题', summary: '摘要', body_md: '正文', minutes: '学时', difficulty: '难度', tags: '标签',
  kind: '类型', stem: '题干', choices: '选项', answer: '正确答案', explanation: '解析', type: '题型',
  version: '版本', status: '状态', item_id: '所属条目',
};
function describe(err) {
  const error = err && err.body && err.body.error;
  let message = err.message;
  const named = /^([A-Za-z_][\w.[\]]*):\s*([\s\S]*)$/.exec(message);
  if (named) message = named[2];
  const field = (error && error.field) || (named && named[1]) || '';
  const label = FIELD_LABELS[field] || FIELD_LABELS[field.replace(/\[\d+\]/g, '').split('.').pop()];
  return label ? `${label}：${message}` : message;
}

async function reloadItemState() {
  const item = await api(`/api/editor/items/${state.id}`);
  applyReply({ version: item.version, status: item.status });
}

async function changeStatus(action) {
  const box = $('item-message');
  if (state.id === null || dirty()) {
    if (!(await save())) return;
  }
  const verb = action === 'publish' ? '发布' : '下架';
  say(box, `正在${verb}…`, 'info');
  try {
    const reply = await api(`/api/editor/items/${state.id}/${action}`, { method: 'POST' });
    applyReply(reply);
    if (!reply || reply.status === undefined) state.status = action === 'publish' ? 'published' : 'retired';
    say(box, action === 'publish' ? '已发布，学员现在可以看到此条目。' : '已下架，学员将不再收到此条目。', 'ok');
    loadVersions();
  } catch (err) {
    say(box, `${verb}失败：` + describe(err), 'error');
  }
  showState();
}

// ------------------------------------------------------------------ versions

function versionNumber(v) { return v.version ?? v.number ?? v.id; }

async function loadVersions() {
  if (state.id === null) return;
  const list = $('version-list');
  try {
    const reply = await api(`/api/editor/items/${state.id}/versions`);
    state.versions = ((reply && reply.versions) || []).slice()
      .sort((a, b) => versionNumber(b) - versionNumber(a));
    list.replaceChildren(...state.versions.map((v) => {
      const number = versionNumber(v);
      const who = v.edited_by_name || v.author_name || v.author || v.edited_by || '';
      const when = formatTime(v.edited_at || v.created_at || v.created || v.at);
      return el('li', { class: 'version-row', dataset: { version: number } },
        el('div', { class: 'version-line' },
          el('strong', { text: `第 ${number} 版` }),
          number === state.version ? el('span', { class: 'badge badge-status-published', text: '当前' }) : null,
          when ? el('span', { class: 'muted small', text: when }) : null,
          who ? el('span', { class: 'muted small', text: typeof who === 'object' ? (who.name || who.login) : who }) : null),
        el('div', { class: 'version-line' },
          el('span', { class: 'version-title', text: v.title || '' }),
          el('button', { type: 'button', class: 'button-secondary button-small', text: '查看',
            'aria-label': `查看第 ${number} 版`, onclick: () => viewVersion(v) })));
    }));
    if (!state.versions.length) list.append(el('li', { class: 'muted', text: '暂无历史版本。' }));
  } catch (err) {
    list.replaceChildren(el('li', { class: 'notice notice-error', text: '版本历史加载失败：' + err.message }));
  }
}

async function viewVersion(entry) {
  const number = versionNumber(entry);
  let version = entry;
  const view = $('version-view');
  try {
    if (entry.body_md === undefined) {
      version = await api(`/api/editor/items/${state.id}/versions/${number}`);
    }
  } catch (err) {
    say($('item-message'), `第 ${number} 版读取失败：` + err.message, 'error');
    return;
  }
  state.viewedVersion = version;
  $('version-view-title').textContent = `第 ${number} 版（只读）`;
  const facts = [
    ['标题', version.title], ['类型', kindLabel(version.kind)], ['摘要', version.summary],
    ['学时', version.minutes !== undefined ? `${version.minutes} 分钟` : ''],
    ['难度', DIFFICULTY_LABELS[version.difficulty] || version.difficulty],
    ['保存时间', formatTime(version.edited_at || version.created_at || version.created || version.at)],
    ['修改人', version.edited_by_name || version.author || ''],
  ].filter(([, value]) => value !== undefined && value !== null && value !== '');
  $('version-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  const tags = version.tags && version.tags.length ? tagChips(version.tags, tagIndex) : null;
  if (tags) $('version-facts').append(el('dt', { text: '标签' }), el('dd', {}, tags));
  const body = $('version-body');
  if (version.body_html) showServerHtml(body, version.body_html);
  else renderPreview(body, version.body_md || '').catch(() => renderLocal(body, version.body_md || ''));
  view.hidden = false;
  view.scrollIntoView({ block: 'nearest' });
}

function restoreVersion() {
  const v = state.viewedVersion;
  if (!v) return;
  fillForm({ ...v, tags: v.tags || (itemTags ? itemTags.get() : []) });
  $('version-view').hidden = true;
  say($('item-message'), `已把第 ${versionNumber(v)} 版填入表单；保存后成为新版本。`, 'info');
  schedulePreview(0);
  showState();
  $('item-card').scrollIntoView({ block: 'start' });
}

// ----------------------------------------------------------------- questions

async function loadQuestions(fromItem) {
  if (state.id === null) return;
  try {
    let questions = fromItem;
    if (!questions) {
      const reply = await api('/api/editor/questions', { query: { item_id: state.id } });
      questions = (reply && reply.questions) || [];
    }
    state.questions = questions;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
      const item = await api(`/api/editor/items/${state.id}`);
      state.questions = item.questions || [];
    } else {
      say($('questions-notice'), '题目加载失败：' + err.message, 'error');
      return;
    }
  }
  renderQuestions();
}

function renderQuestions() {
  const list = $('question-list');
  $('question-count').textContent = `（${state.questions.length} 道）`;
  list.replaceChildren(...state.questions.map((q, index) => {
    const answer = new Set(q.answer || []);
    return el('li', { class: 'question-row', dataset: { id: q.id } },
      el('p', { class: 'question-head' },
        el('span', { class: 'badge badge-qtype', text: QUESTION_TYPE_LABELS[q.type] || q.type }),
        q.status === 'retired' ? el('span', { class: 'badge badge-status-retired', text: '已停用' }) : null,
        el('span', { class: 'question-stem', text: `${index + 1}. ${q.stem}` })),
      el('ol', { class: 'choice-view' }, (q.choices || []).map((choice, i) =>
        el('li', { class: answer.has(i) ? 'choice-correct' : '' },
          el('span', { class: 'choice-text', text: choice }),
          answer.has(i) ? el('span', { class: 'choice-mark', text: '✓ 正确答案' }) : null))),
      q.explanation ? el('p', { class: 'muted small', text: '解析：' + q.explanation }) : null,
      q.tags && q.tags.length ? tagChips(q.tags, tagIndex) : null,
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'button-secondary button-small', text: '编辑',
          'aria-label': `编辑第 ${index + 1} 题`, onclick: () => openQuestionForm(q) }),
        q.status === 'retired' || q.id === undefined ? null
          : el('button', { type: 'button', class: 'button-quiet button-small', text: '停用',
            'aria-label': `停用第 ${index + 1} 题`, onclick: (event) => retireQuestion(q, event.currentTarget) })));
  }));
  if (!state.questions.length) {
    list.append(el('li', { class: 'muted', text: '还没有题目。每个条目建议配 2 至 5 道测试题。' }));
  }
}

// Retiring takes two clicks: the first turns the button into a confirmation.
async function retireQuestion(question, button) {
  if (button.dataset.confirm !== '1') {
    button.dataset.confirm = '1';
    button.textContent = '确认停用？';
    setTimeout(() => { if (button.isConnected) { button.dataset.confirm = ''; button.textContent = '停用'; } }, 4000);
    return;
  }
  button.disabled = true;
  try {
    await api(`/api/editor/questions/${question.id}/retire`, { method: 'POST' });
    await loadQuestions();
    say($('questions-notice'), '题目已停用：学员不再收到此题，已有的答题记录保留。', 'ok');
  } catch (err) {
    say($('questions-notice'), '停用失败：' + describe(err), 'error');
    button.disabled = false;
  }
}

function choiceRow(text, correct, type, index) {
  const inputType = type === 'multiple' ? 'checkbox' : 'radio';
  const letter = String.fromCharCode(65 + index);
  const row = el('li', { class: 'choice-edit' },
    el('label', { class: 'choice-correct-toggle', title: '正确答案' },
      el('input', { type: inputType, name: 'q-answer', value: String(index), checked: correct || null,
        'aria-label': `选项 ${letter} 为正确答案` }),
      el('span', { text: letter })),
    el('input', { type: 'text', class: 'choice-input', value: text, maxlength: '200',
      'aria-label': `选项 ${letter}`, readonly: type === 'truefalse' || null }));
  if (type !== 'truefalse') {
    row.append(el('button', { type: 'button', class: 'button-quiet button-small', text: '删除',
      'aria-label': `删除选项 ${letter}`, onclick: () => { readChoices(); removeChoice(index); } }));
  }
  return row;
}

let draftChoices = [];  // [{text, correct}] while the form is open

function readChoices() {
  draftChoices = [...$('q-choices').querySelectorAll('.choice-edit')].map((row) => ({
    text: row.querySelector('.choice-input').value,
    correct: row.querySelector('input[name=q-answer]').checked,
  }));
}

function removeChoice(index) {
  draftChoices.splice(index, 1);
  drawChoices();
}

function drawChoices() {
  const type = $('q-type').value;
  $('q-choices').replaceChildren(...draftChoices.map((c, i) => choiceRow(c.text, c.correct, type, i)));
  $('q-add-choice').hidden = type === 'truefalse' || draftChoices.length >= 8;
  $('q-choices-legend').textContent = type === 'multiple' ? '选项（勾选所有正确答案）'
    : (type === 'truefalse' ? '判断（选中正确的一项）' : '选项（选中唯一正确答案）');
}

function setQuestionType(type, keep) {
  if (!keep) readChoices();
  if (type === 'truefalse') {
    const wasTrue = draftChoices[0] && draftChoices[0].text === '正确' ? draftChoices[0].correct : true;
    draftChoices = [{ text: '正确', correct: wasTrue }, { text: '错误', correct: !wasTrue }];
  } else {
    if (draftChoices.length < 2 || (draftChoices.length === 2 && draftChoices[0].text === '正确' && draftChoices[1].text === '错误')) {
      draftChoices = ['', '', '', ''].map((text) => ({ text, correct: false }));
    }
    if (type === 'single') {
      let seen = false;
      for (const c of draftChoices) { if (c.correct && seen) c.correct = false; seen = seen || c.correct; }
    }
  }
  drawChoices();
}

function openQuestionForm(question) {
  editingQuestion = question || null;
  const form = $('question-form');
  $('question-form-title').textContent = question ? '编辑题目' : '新题目';
  $('q-type').value = question ? question.type : 'single';
  $('q-stem').value = question ? question.stem : '';
  $('q-explanation').value = question ? (question.explanation || '') : '';
  const answer = new Set(question ? question.answer || [] : []);
  draftChoices = question ? (question.choices || []).map((text, i) => ({ text, correct: answer.has(i) })) : [];
  setQuestionType($('q-type').value, true);
  const itemDisciplines = itemTags ? itemTags.get().filter((c) => c.startsWith('discipline.')) : [];
  questionTags.set(question ? (question.tags || []).map((t) => (typeof t === 'string' ? t : t.code)) : itemDisciplines);
  say($('question-message'), '');
  say($('questions-notice'), '');
  form.hidden = false;
  $('add-question').hidden = true;
  $('q-stem').focus();
}

function closeQuestionForm() {
  $('question-form').hidden = true;
  $('add-question').hidden = false;
  editingQuestion = null;
}

async function saveQuestion() {
  readChoices();
  const box = $('question-message');
  const type = $('q-type').value;
  const choices = draftChoices.map((c) => c.text.trim());
  const answer = draftChoices.map((c, i) => (c.correct ? i : -1)).filter((i) => i >= 0);
  const payload = {
    item_id: state.id, type, stem: $('q-stem').value.trim(), choices, answer,
    explanation: $('q-explanation').value.trim(), tags: questionTags.get(),
  };
  let problem = '';
  if (!payload.stem) problem = '请填写题干';
  else if (choices.length < 2) problem = '至少需要两个选项';
  else if (choices.some((c) => !c)) problem = '选项不能为空，请填写或删除空选项';
  else if (!answer.length) problem = '请标出正确答案';
  else if (type !== 'multiple' && answer.length !== 1) problem = '单选题和判断题只能有一个正确答案';
  else if (type === 'multiple' && answer.length < 2) problem = '多选题至少有两个正确答案（只有一个请改为单选题）';
  if (problem) { say(box, problem, 'error'); return; }
  $('q-save').disabled = true;
  say(box, '正在保存题目…', 'info');
  try {
    if (editingQuestion && editingQuestion.id !== undefined) {
      await api(`/api/editor/questions/${editingQuestion.id}`, { method: 'PUT', json: payload });
    } else {
      await api('/api/editor/questions', { method: 'POST', json: payload });
    }
    closeQuestionForm();
    await loadQuestions();
    say($('questions-notice'), '题目已保存。', 'ok');
  } catch (err) {
    say(box, '题目保存失败：' + describe(err), 'error');
  } finally {
    $('q-save').disabled = false;
  }
}

// ---------------------------------------------------------------------- start

async function start() {
  const notice = $('page-notice');
  let me;
  try {
    me = await requireEditor(notice);
  } catch (err) {
    say(notice, err.message, 'error');
    return;
  }
  if (!me) { $('item-card').hidden = true; return; }

  try {
    tagIndex = await loadTags();
    itemTags = tagPicker(tagIndex, { idPrefix: 'tag', name: 'item-tags' });
    $('item-tags').replaceChildren(itemTags.node);
    questionTags = tagPicker(tagIndex, { idPrefix: 'qtag', name: 'question-tags', kinds: ['discipline', 'risk', 'form'] });
    $('question-tags').replaceChildren(questionTags.node);
  } catch (err) {
    $('item-tags').replaceChildren(el('p', { class: 'notice notice-error', text: '标签加载失败：' + err.message }));
  }

  const id = new URLSearchParams(location.search).get('id');
  let itemQuestions = null;
  if (id && /^\d+$/.test(id)) {
    try {
      const item = await api(`/api/editor/items/${id}`);
      state.id = item.id ?? Number(id);
      state.status = item.status;
      state.version = item.version;
      fillForm(item);
      itemQuestions = Array.isArray(item.questions) && item.questions.every((q) => Array.isArray(q.answer))
        ? item.questions : null;
    } catch (err) {
      say(notice, err.status === 404 ? `条目 #${id} 不存在或已被删除。` : '条目加载失败：' + err.message, 'error');
      $('item-card').hidden = true;
      return;
    }
  } else if (id) {
    say(notice, '条目编号无效。', 'error');
  }
  state.savedPayload = state.id === null ? '' : JSON.stringify(formPayload());
  if (state.id === null) state.savedPayload = JSON.stringify(formPayload()) + ' new';
  updateCounts();
  showState();
  schedulePreview(0);
  if (state.id !== null) {
    loadVersions();
    loadQuestions(itemQuestions);
  }

  const form = $('item-form');
  form.addEventListener('submit', (event) => { event.preventDefault(); save(); });
  form.addEventListener('input', () => { updateCounts(); showState(); });
  form.addEventListener('change', () => { updateCounts(); showState(); });
  $('f-body').addEventListener('input', () => schedulePreview());
  $('publish-item').addEventListener('click', () => changeStatus('publish'));
  $('retire-item').addEventListener('click', () => changeStatus('retire'));
  $('version-close').addEventListener('click', () => { $('version-view').hidden = true; });
  $('version-restore').addEventListener('click', restoreVersion);
  $('add-question').addEventListener('click', () => openQuestionForm(null));
  $('q-cancel').addEventListener('click', closeQuestionForm);
  $('q-type').addEventListener('change', () => setQuestionType($('q-type').value, false));
  $('q-add-choice').addEventListener('click', () => {
    readChoices();
    draftChoices.push({ text: '', correct: false });
    drawChoices();
    const inputs = $('q-choices').querySelectorAll('.choice-input');
    inputs[inputs.length - 1].focus();
  });
  // A single-answer type keeps one mark: the radios share a name already.
  $('question-form').addEventListener('submit', (event) => { event.preventDefault(); saveQuestion(); });
  window.addEventListener('beforeunload', (event) => {
    if (state.id !== null && dirty()) { event.preventDefault(); event.returnValue = ''; }
  });
}

document.addEventListener('DOMContentLoaded', start);

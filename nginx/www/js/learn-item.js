// learn-item.js — the reader (/learn/item.html?id=N[&q=QID]): the item's
// rendered body, its events, and its questions as a quiz.
//
// Events, each with its own client id (retried once, with that same id, when
// the network fails): open on load; progress at 25, 50 and 75% of the body as
// the cadre scrolls (throttled, each mark once); complete when the end marker
// comes into view after the cadre has scrolled, or on 完成学习.
//
// body_html is rendered by the server in cmark's safe mode: it is the only
// markup inserted as HTML, and only into #item-body. Everything else —
// titles, stems, choices, explanations — goes in as text.

import { api } from './api.js';
import {
  el, say, requireCadre, sendEvent, postOnce, clientId, itemChips, learnKindLabel, minutesText,
  percent, bar, dateText, todayText,
} from './learn-common.js';
import { QUESTION_TYPE_LABELS } from './ui.js';

const MARKS = [0.25, 0.5, 0.75];
const THROTTLE_MS = 400;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const notice = document.getElementById('page-notice');
const reader = document.getElementById('reader');
const body = document.getElementById('item-body');
const endMarker = document.getElementById('read-end');
const readBar = document.getElementById('read-progress');
const completeButton = document.getElementById('complete');
const completeStatus = document.getElementById('complete-status');

let item = null;
let scrolled = false;     // the cadre has scrolled at least once
let endVisible = false;   // the end marker is in view
let completed = false;
let completing = false;
const marksSent = new Set();
let throttle = null;
let autoComplete = true;  // off when the cadre came for one question (a review)
let quietUntil = 0;       // scrolls before this time were the page's own

// How far through the body the bottom of the screen has come, 0–1.
function readFraction() {
  const rect = body.getBoundingClientRect();
  if (rect.height <= 0) return 0;
  return Math.max(0, Math.min(1, (window.innerHeight - rect.top) / rect.height));
}

function trackProgress() {
  throttle = null;
  const fraction = readFraction();
  readBar.value = Math.round(fraction * 100);
  if (completed || !scrolled) return;
  // Only the highest new mark is posted: a fast fling past 25 and 50 sends 50.
  const crossed = MARKS.filter((m) => fraction >= m && !marksSent.has(m));
  if (!crossed.length) return;
  const mark = crossed[crossed.length - 1];
  for (const m of MARKS) if (m <= mark) marksSent.add(m);
  sendEvent(item.id, 'progress', mark).catch(() => { /* a lost progress mark is not worth a word */ });
}

function onScroll() {
  if (window.scrollY > 0 && performance.now() > quietUntil) scrolled = true;
  if (!throttle) throttle = setTimeout(trackProgress, THROTTLE_MS);
  maybeComplete();
}

function maybeComplete() {
  if (autoComplete && endVisible && scrolled && !completed) complete();
}

async function complete() {
  if (completed || completing || !item) return;
  completing = true;
  completeButton.disabled = true;
  completeButton.textContent = '正在记录…';
  try {
    const reply = await sendEvent(item.id, 'complete');
    completed = true;
    readBar.value = 100;
    completeButton.textContent = '✓ 已完成学习';
    completeButton.classList.add('button-done');
    completeStatus.className = 'complete-status notice notice-ok';
    completeStatus.textContent = reply && reply.duplicate
      ? '本篇此前已完成，学时已计入。'
      : `已完成学习，本篇计入学时 ${minutesText(item.minutes)}。下面做几道题巩固一下吧。`;
    reader.dataset.completed = 'true';
  } catch (err) {
    completeButton.disabled = false;
    completeButton.textContent = '完成学习';
    completeStatus.className = 'complete-status notice notice-error';
    completeStatus.textContent = `未能记录完成：${err.message}`;
  } finally {
    completing = false;
  }
}

// ------------------------------------------------------------------ quiz

function choiceLetter(i) { return LETTERS[i] || String(i + 1); }

function question(q, n) {
  const multiple = q.type === 'multiple';
  const name = `q-${q.id}-choice`;
  const submit = el('button', { type: 'submit', class: 'button-block', disabled: true, text: '提交答案' });
  const result = el('div', { class: 'answer-result-box', role: 'status', 'aria-live': 'polite' });
  const choices = el('ul', { class: 'quiz-choices' },
    (q.choices || []).map((text, i) => el('li', {},
      el('label', { class: 'quiz-choice', dataset: { index: String(i) } },
        el('input', { type: multiple ? 'checkbox' : 'radio', name, value: String(i) }),
        el('span', { class: 'choice-letter', text: choiceLetter(i) }),
        el('span', { class: 'choice-text', text })))));
  const form = el('form', { class: 'quiz-form', novalidate: true },
    el('fieldset', { class: 'quiz-fieldset' },
      el('legend', { class: 'quiz-stem' },
        el('span', { class: 'quiz-number', text: `${n}. ` }),
        el('span', { class: 'badge badge-qtype', text: QUESTION_TYPE_LABELS[q.type] || '题目' }),
        ' ',
        el('span', { text: q.stem })),
      multiple ? el('p', { class: 'muted small quiz-hint', text: '多选题：选出全部正确的选项' }) : null,
      choices),
    submit, result);
  form.addEventListener('change', () => {
    submit.disabled = !form.querySelector('input:checked');
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    answer(q, form, submit, result);
  });
  return el('li', { class: 'quiz-question', id: `q-${q.id}`, dataset: { questionId: String(q.id) } }, form);
}

async function answer(q, form, submit, result) {
  const choice = [...form.querySelectorAll('input:checked')].map((input) => Number(input.value));
  if (!choice.length) return;
  submit.disabled = true;
  submit.textContent = '正在提交…';
  let reply;
  try {
    reply = await postOnce(`/api/questions/${q.id}/answer`, { choice, client_id: clientId() });
  } catch (err) {
    submit.disabled = false;
    submit.textContent = '提交答案';
    result.replaceChildren(el('p', { class: 'notice notice-error', text: `提交失败：${err.message}` }));
    return;
  }
  const answerSet = new Set((reply.answer || []).map(Number));
  const chosen = new Set(choice);
  for (const input of form.querySelectorAll('input')) input.disabled = true;
  for (const label of form.querySelectorAll('.quiz-choice')) {
    const i = Number(label.dataset.index);
    if (answerSet.has(i)) {
      label.classList.add('choice-right');
      label.append(el('span', { class: 'choice-flag', text: '正确答案' }));
    } else if (chosen.has(i)) {
      label.classList.add('choice-wrong');
      label.append(el('span', { class: 'choice-flag', text: '您的选择' }));
    }
  }
  submit.remove();
  const correctLetters = [...answerSet].sort((a, b) => a - b).map(choiceLetter).join('、');
  const mastery = (reply.mastery || []).filter((m) => m && m.value !== null && m.value !== undefined);
  result.replaceChildren(
    el('p', { class: 'answer-result ' + (reply.correct ? 'answer-right' : 'answer-wrong'),
      text: reply.correct ? '✓ 回答正确' : `✗ 回答错误，正确答案是 ${correctLetters}` }),
    reply.explanation ? el('p', { class: 'answer-explanation' },
      el('strong', { text: '解析：' }), reply.explanation) : null,
    mastery.length ? el('div', { class: 'answer-mastery' },
      el('p', { class: 'subhead', text: '掌握程度' }),
      el('ul', { class: 'mastery-list mastery-compact' }, mastery.map((m) => el('li', { class: 'mastery-row' },
        el('span', { class: 'mastery-label', text: m.label || m.code }),
        bar(m.value, { label: `${m.label || m.code}掌握程度` }),
        el('span', { class: 'mastery-value', text: percent(m.value) }))))) : null,
    el('p', { class: 'answer-review muted small',
      text: reply.next_review
        ? `下次复习：${dateText(reply.next_review, todayText())}，到时会出现在“我的学习”的待复习中`
        : '已经掌握，暂不安排复习' }));
  form.closest('.quiz-question').classList.add(reply.correct ? 'quiz-right' : 'quiz-wrong');
}

function showQuiz(questions, focusId) {
  if (!questions || !questions.length) return;
  const quiz = document.getElementById('quiz');
  document.getElementById('quiz-count').textContent = `共 ${questions.length} 题`;
  document.getElementById('questions').replaceChildren(...questions.map((q, i) => question(q, i + 1)));
  quiz.hidden = false;
  if (focusId) {
    const target = document.getElementById(`q-${focusId}`);
    if (target) {
      target.classList.add('quiz-focus');
      autoComplete = false;
      quietUntil = performance.now() + 600;
      target.scrollIntoView({ block: 'start' });
    }
  }
}

// ------------------------------------------------------------------ page

document.addEventListener('DOMContentLoaded', async () => {
  const params = new URLSearchParams(location.search);
  const id = Number(params.get('id'));
  const focusId = Number(params.get('q')) || 0;
  if (!Number.isInteger(id) || id <= 0) {
    say(notice, '链接不完整：没有指明要学习的内容。', 'error');
    return;
  }
  completeButton.addEventListener('click', () => complete());
  try {
    if (!(await requireCadre(notice))) return;
    item = await api(`/api/items/${id}`);
  } catch (err) {
    if (err.status === 401) return;
    say(notice, err.status === 404 ? '要学习的内容不存在或已下架。' : `内容加载失败：${err.message}`, 'error');
    return;
  }
  document.title = `${item.title} · 清风`;
  const kindBadge = document.getElementById('item-kind');
  kindBadge.textContent = learnKindLabel(item.kind);
  kindBadge.classList.add(`badge-kind-${item.kind}`);
  document.getElementById('item-minutes').textContent = `学时 ${minutesText(item.minutes)}`;
  document.getElementById('item-title').textContent = item.title;
  document.getElementById('item-tags').replaceChildren(itemChips(item.tags, 6));
  const summary = document.getElementById('item-summary');
  summary.textContent = item.summary || '';
  summary.hidden = !item.summary;
  // Sanitised by the server (cmark safe mode): the page's only HTML insertion.
  body.innerHTML = item.body_html || '';
  reader.hidden = false;
  reader.removeAttribute('aria-busy');
  showQuiz(item.questions, focusId);

  sendEvent(item.id, 'open').catch((err) => say(notice, `学习记录未能保存：${err.message}`, 'warn'));

  window.addEventListener('scroll', onScroll, { passive: true });
  new IntersectionObserver((entries) => {
    for (const entry of entries) endVisible = entry.isIntersecting;
    maybeComplete();
  }).observe(endMarker);
  trackProgress();
});

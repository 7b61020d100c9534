// learn-progress.js — "我的学习" (/learn/progress.html): this year's study
// hours against the 40-hour target and the pace, mastery per discipline,
// the reviews due (each a link to its question) and what has been completed.

import { api } from './api.js';
import { el, say, requireCadre, percent, bar, dateText } from './learn-common.js';

// Stems and titles are looked up for at most this many items of due reviews.
const MOST_ITEMS_LOOKED_UP = 8;

const notice = document.getElementById('page-notice');

function hoursText(hours) {
  return String(Number((Number(hours) || 0).toFixed(2)));
}

function showHours(p) {
  const target = Number(p.target_hours) || 40;
  const hours = Number(p.hours_year) || 0;
  document.getElementById('hours-value').textContent = hoursText(hours);
  document.getElementById('hours-target').textContent = String(target);
  document.getElementById('hours-year').textContent = p.year ? `${p.year} 年` : '';
  const hoursBar = document.getElementById('hours-bar');
  hoursBar.value = Math.min(100, Math.round((hours / target) * 100));
  const pace = document.getElementById('hours-pace');
  const info = p.pace || {};
  const expected = hoursText(info.expected_hours);
  if (info.status === 'done' || hours >= target) {
    pace.className = 'pace pace-done';
    pace.textContent = `已完成本年度 ${target} 学时目标，继续保持！`;
  } else if (info.status === 'on_track') {
    pace.className = 'pace pace-ok';
    pace.textContent = `进度正常：按全年计划，目前应完成约 ${expected} 学时。`;
  } else {
    pace.className = 'pace pace-behind';
    pace.textContent = `落后于计划：目前应完成约 ${expected} 学时，` +
      `今后每周需学习约 ${hoursText(info.hours_per_week_needed)} 学时才能按时达标。`;
  }
  hoursBar.classList.toggle('bar-behind', pace.classList.contains('pace-behind'));
  document.getElementById('hours-card').removeAttribute('aria-busy');
}

function showMastery(list) {
  const rows = (list || []).map((m) => {
    const known = m.value !== null && m.value !== undefined;
    return el('li', { class: 'mastery-row' + (known ? '' : ' mastery-empty'), dataset: { code: m.code } },
      el('span', { class: 'mastery-label' }, m.label || m.code,
        m.weak ? el('span', { class: 'badge badge-weak', text: '需加强' }) : null),
      known ? bar(m.value, { label: `${m.label || m.code}掌握程度`, className: m.weak ? 'bar-behind' : '' })
        : el('span', { class: 'bar-none', 'aria-hidden': 'true' }),
      el('span', { class: 'mastery-value', text: known ? percent(m.value) : '暂无数据' }));
  });
  const box = document.getElementById('mastery');
  box.replaceChildren(...rows);
  if (!rows.length) box.replaceChildren(el('li', { class: 'empty', text: '暂无数据' }));
}

// The stems and titles of the items behind the reviews (a few items at most).
async function lookUp(reviews) {
  const ids = [...new Set(reviews.map((r) => r.item_id).filter(Boolean))].slice(0, MOST_ITEMS_LOOKED_UP);
  const items = new Map();
  await Promise.all(ids.map((id) => api(`/api/items/${id}`).then((item) => { items.set(id, item); }, () => {})));
  return items;
}

function reviewRow(r, items, today, due) {
  const item = r.item_id ? items.get(r.item_id) : null;
  const q = item && (item.questions || []).find((x) => x.id === r.question_id);
  const stem = q ? q.stem : `练习题 ${r.question_id}`;
  const when = dateText(r.due, today);
  const meta = el('span', { class: 'review-meta' },
    item ? `《${item.title}》 · ` : '', r.due && r.due <= today ? `到期：${when}` : `安排在 ${when}`);
  if (!r.item_id) {
    return el('li', { class: 'review-row review-row-plain', dataset: { questionId: String(r.question_id) } },
      el('span', { class: 'review-stem', text: stem }), meta);
  }
  const href = `item.html?${new URLSearchParams({ id: String(r.item_id), q: String(r.question_id) })}#q-${r.question_id}`;
  return el('li', { class: 'review-row', dataset: { questionId: String(r.question_id) } },
    el('a', { class: 'review-link', href },
      el('span', { class: 'review-stem', text: stem }), meta,
      el('span', { class: 'review-go', 'aria-hidden': 'true', text: due ? '去复习 ›' : '提前复习 ›' })));
}

async function showReviews(p) {
  const due = p.reviews_due || [];
  const upcoming = p.reviews_upcoming || [];
  const today = p.today || '';
  const items = await lookUp([...due, ...upcoming]);
  document.getElementById('reviews-count').textContent = due.length ? `今天 ${due.length} 题` : '';
  document.getElementById('reviews-due').replaceChildren(...due.map((r) => reviewRow(r, items, today, true)));
  document.getElementById('reviews-none').hidden = due.length > 0;
  document.getElementById('reviews-upcoming').replaceChildren(...upcoming.map((r) => reviewRow(r, items, today, false)));
  document.getElementById('upcoming-box').hidden = upcoming.length === 0;
}

function showCounts(p) {
  document.getElementById('completed').textContent = `${p.completed ?? 0} 篇`;
  document.getElementById('completed-year').textContent = `${p.completed_year ?? p.completed ?? 0} 篇`;
  const a = p.answers || {};
  const total = Number(a.total) || 0;
  document.getElementById('answers').textContent = total
    ? `${total} 题，答对 ${Number(a.correct) || 0} 题（${percent((Number(a.correct) || 0) / total)}）`
    : '尚未作答';
}

document.addEventListener('DOMContentLoaded', async () => {
  let progress;
  try {
    if (!(await requireCadre(notice))) return;
    progress = await api('/api/me/progress');
  } catch (err) {
    if (err.status !== 401) say(notice, `学习记录加载失败：${err.message}`, 'error');
    return;
  }
  showHours(progress);
  showMastery(progress.mastery);
  showCounts(progress);
  await showReviews(progress);
  document.body.dataset.loaded = 'true';
});

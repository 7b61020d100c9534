// supervisor-person.js — 一人一档 (/supervisor/person.html?id=N): one cadre's
// learning record as a supervisor sees it from GET /api/supervisor/people/{id}:
// the year's study hours against the target, the items completed with their
// dates and hours, quiz results, mastery per discipline over the months (a
// chart) and the reviews due. Out-of-scope people are refused by the API
// (403), which the page says in Chinese.

import { api } from './api.js';
import { el, say, requireSupervisor, categoryLabel, kindLabel, loadTags } from './ui.js';
import { SERIES_COLORS, drawChart, emptyChart, percentAxis, percentText, numberText, monthText } from './charts.js';

const notice = document.getElementById('page-notice');
const TARGET_HOURS = 40;

// A timestamp (seconds or ISO) or a date → "2026-06-03".
function dayText(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'number') {
    const d = new Date(value * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  return String(value).slice(0, 10);
}

function hoursOf(entry) {
  if (entry.hours !== undefined && entry.hours !== null) return Number(entry.hours);
  return (Number(entry.minutes) || 0) / 60;
}

// A tag's Chinese label from its code ("risk.tendering", or "government" for an industry).
function tagText(tags, value, kind) {
  const code = typeof value === 'string' ? value : value && value.code;
  if (value && typeof value === 'object' && value.label) return value.label;
  const known = tags && (tags.byCode.get(code) || tags.byCode.get(`${kind}.${code}`));
  return known ? known.label : code;
}

function showHeader(r, tags) {
  const p = r.user || r.person || r;
  document.getElementById('person-name').textContent = `${p.name || p.login}的学习档案`;
  document.title = `${p.name || p.login} · 一人一档 · 清风`;
  const facts = [
    ['单位', p.unit_name || (p.unit && p.unit.name)],
    ['对象', categoryLabel(p.category)],
    ['行业', p.industry_label || (p.industry && tagText(tags, p.industry, 'industry'))],
    ['岗位风险点', (p.risks || []).map((x) => tagText(tags, x, 'risk')).join('、')],
  ].filter(([, v]) => v);
  document.getElementById('person-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  const unitId = p.unit_id ?? (p.unit && p.unit.id);
  if (unitId) document.getElementById('back-to-unit').href = `/supervisor/?unit=${unitId}`;

  const target = Number(r.target_hours) || TARGET_HOURS;
  const hours = Number(r.hours_year ?? p.hours_year) || 0;
  document.getElementById('hours-value').textContent = numberText(hours);
  document.getElementById('hours-target').textContent = String(target);
  const bar = document.getElementById('hours-bar');
  bar.value = Math.min(100, Math.round((hours / target) * 100));
  const pace = r.pace || {};
  const line = document.getElementById('hours-pace');
  if (hours >= target) {
    line.className = 'pace pace-done';
    line.textContent = `已完成本年度 ${target} 学时目标。`;
  } else if (Number.isFinite(Number(pace.expected_hours))) {
    const behind = hours < Number(pace.expected_hours);
    line.className = 'pace ' + (behind ? 'pace-behind' : 'pace-ok');
    line.textContent = `${behind ? '落后于计划' : '进度正常'}：按全年计划，目前应完成约 ${numberText(pace.expected_hours)} 学时。`;
    bar.classList.toggle('bar-behind', behind);
  }
}

function showCompleted(r) {
  const list = r.completed_items || (Array.isArray(r.completed) ? r.completed : []) || [];
  const rows = list.map((c) => el('tr', { dataset: { itemId: String(c.item_id ?? c.id) } },
    el('th', { scope: 'row', text: c.title || `内容 ${c.item_id ?? c.id}` }),
    el('td', { text: kindLabel(c.kind) }),
    el('td', { class: 'num', text: dayText(c.completed_at ?? c.date ?? c.day) }),
    el('td', { class: 'num', text: numberText(hoursOf(c), 2) })));
  document.getElementById('completed').replaceChildren(...rows);
  document.getElementById('completed-none').hidden = rows.length > 0;
  const total = list.reduce((sum, c) => sum + hoursOf(c), 0);
  document.getElementById('done-count').textContent = list.length ? `${list.length} 篇，共 ${numberText(total, 2)} 学时` : '';
}

function showQuizzes(r) {
  const list = r.quizzes || r.quiz_results || [];
  const rows = list.map((q) => {
    const questions = Number(q.questions ?? q.total) || 0;
    const correct = Number(q.correct) || 0;
    const passed = q.passed ?? (questions ? correct / questions >= 0.6 : false);
    return el('tr', {},
      el('th', { scope: 'row', text: q.title || q.stem || '练习题' }),
      el('td', { class: 'num', text: dayText(q.first_at ?? q.date ?? q.answered_at) }),
      el('td', { class: 'num', text: `${correct}/${questions}` }),
      el('td', {}, el('span', { class: 'badge ' + (passed ? 'badge-status-published' : 'badge-warn'), text: passed ? '通过' : '未通过' })));
  });
  document.getElementById('quizzes').replaceChildren(...rows);
  document.getElementById('quizzes-none').hidden = rows.length > 0;
  const passed = list.filter((q) => q.passed ?? ((Number(q.correct) || 0) / (Number(q.questions ?? q.total) || 1) >= 0.6)).length;
  document.getElementById('quiz-summary').textContent = list.length
    ? `${list.length} 次，通过 ${passed} 次（${percentText(r.pass_rate ?? passed / list.length)}）` : '';
}

// mastery_history: [{month, code, label?, value}] → {months, series: [{code, label, values}]}.
function masterySeries(r) {
  const history = r.mastery_history || [];
  const labels = new Map((r.mastery || []).map((m) => [m.code, m.label || m.code]));
  const months = [...new Set(history.map((h) => String(h.month)))].sort();
  const byCode = new Map();
  for (const h of history) {
    const code = h.code ?? h.tag_code;
    if (!byCode.has(code)) byCode.set(code, new Map());
    byCode.get(code).set(String(h.month), Number(h.value));
    if (h.label) labels.set(code, h.label);
  }
  const series = [...byCode.entries()].map(([code, values]) => {
    // A month without a new value keeps the last one: mastery does not vanish.
    let last = null;
    return { code, label: labels.get(code) || code, values: months.map((m) => { if (values.has(m)) last = values.get(m); return last; }) };
  });
  return { months, series };
}

function showMastery(r) {
  const box = document.getElementById('mastery-chart');
  const { months, series } = masterySeries(r);
  if (!months.length) {
    emptyChart(box, '尚无测验作答，暂无掌握程度数据');
  } else {
    drawChart(box, {
      tooltip: { trigger: 'axis', valueFormatter: (v) => percentText(v, 0) },
      legend: { type: 'scroll', top: 0, left: 0, right: 0 },
      xAxis: { type: 'category', data: months.map((m) => monthText(m, true)), boundaryGap: false },
      yAxis: percentAxis({ min: 0, max: 1 }),
      series: series.map((s, i) => ({ name: s.label, type: 'line', data: s.values, connectNulls: true,
        symbolSize: 6, itemStyle: { color: SERIES_COLORS[i % SERIES_COLORS.length] } })),
    });
  }
  const now = (r.mastery || []).filter((m) => m.value !== null && m.value !== undefined);
  document.getElementById('mastery-now').replaceChildren(...now.map((m) => el('li', { class: 'mastery-row', dataset: { code: m.code } },
    el('span', { class: 'mastery-label', text: m.label || m.code }),
    el('progress', { class: 'bar' + (m.value < 0.6 ? ' bar-behind' : ''), max: '100', value: String(Math.round(m.value * 100)), 'aria-label': `${m.label || m.code}掌握程度` }),
    el('span', { class: 'mastery-value', text: percentText(m.value, 0) }))));
}

function showReviews(r) {
  const due = r.reviews_due || [];
  document.getElementById('reviews').replaceChildren(...due.map((x) => el('li', { class: 'review-row review-row-plain' },
    el('span', { class: 'review-stem', text: x.stem || x.title || `练习题 ${x.question_id}` }),
    el('span', { class: 'review-meta', text: `${x.item_title ? `《${x.item_title}》 · ` : ''}到期：${dayText(x.due)}` }))));
  document.getElementById('reviews-none').hidden = due.length > 0;
  document.getElementById('reviews-count').textContent = due.length ? `${due.length} 题` : '';
}

document.addEventListener('DOMContentLoaded', async () => {
  const id = Number(new URLSearchParams(location.search).get('id'));
  let record;
  let tags = null;
  try {
    if (!(await requireSupervisor(notice))) return;
    if (!Number.isInteger(id) || id <= 0) {
      say(notice, '没有指定要查看的干部，请从单位概况中选择。', 'error');
      return;
    }
    [record, tags] = await Promise.all([api(`/api/supervisor/people/${id}`), loadTags().catch(() => null)]);
  } catch (err) {
    if (err.status === 403 || err.status === 404) say(notice, '无权查看此人的学习档案：只能查看本单位及下级单位的干部。', 'error');
    else if (err.status !== 401) say(notice, `学习档案加载失败：${err.message}`, 'error');
    return;
  }
  document.getElementById('record').hidden = false;
  showHeader(record, tags);
  showMastery(record);
  showQuizzes(record);
  showReviews(record);
  showCompleted(record);
  document.body.dataset.loaded = 'true';
});

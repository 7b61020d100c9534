// supervisor-person.js — 一人一档 (/supervisor/person.html?id=N): one cadre's
// learning record as a supervisor sees it from GET /api/supervisor/people/{id}
// (fcgi/SUPERVISOR-API.md): the period's study hours against the target and
// its pace, the items completed with their dates and hours, quiz results,
// mastery per discipline over the months (a chart) and the reviews due.
// Out-of-scope people are refused by the API (403), which the page says in
// Chinese. The period is this year unless ?from=&to= say otherwise.

import { api } from './api.js';
import { el, say, requireSupervisor, categoryLabel } from './ui.js';
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

function showHeader(r) {
  const p = r.person || {};
  const sum = r.summary || {};
  document.getElementById('person-name').textContent = `${p.name || p.login}的学习档案`;
  document.title = `${p.name || p.login} · 一人一档 · 清风`;
  const facts = [
    ['账号', p.login],
    ['单位', p.unit_name],
    ['类别', p.category_label || categoryLabel(p.category)],
    ['期间', r.from && r.to ? `${r.from} 至 ${r.to}` : ''],
    ['状态', p.disabled ? '已停用' : ''],
  ].filter(([, v]) => v);
  document.getElementById('person-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  if (p.unit_id) document.getElementById('back-to-unit').href = `/supervisor/?unit=${p.unit_id}`;

  const target = Number(sum.target_hours) || TARGET_HOURS;
  const hours = Number(sum.hours) || 0;
  document.getElementById('hours-value').textContent = numberText(hours, 2);
  document.getElementById('hours-target').textContent = String(target);
  const bar = document.getElementById('hours-bar');
  bar.value = Math.min(100, Math.round((hours / target) * 100));
  const line = document.getElementById('hours-pace');
  const pace = Number(sum.pace_hours);
  if (hours >= target) {
    line.className = 'pace pace-done';
    line.textContent = `已完成年度 ${target} 学时目标。`;
  } else if (Number.isFinite(pace)) {
    const behind = hours < pace;
    line.className = 'pace ' + (behind ? 'pace-behind' : 'pace-ok');
    line.textContent = `${behind ? '落后于进度' : '进度正常'}：按全年计划，截止日应完成约 ${numberText(pace)} 学时。`;
    bar.classList.toggle('bar-behind', behind);
  }
}

function showCompleted(r) {
  const list = r.completions || [];
  const rows = list.map((c) => el('tr', { dataset: { itemId: String(c.item_id) } },
    el('th', { scope: 'row', text: c.title || `内容 ${c.item_id}` }),
    el('td', { class: 'num', text: c.times > 1 ? `${c.times} 次` : '1 次' }),
    el('td', { class: 'num', text: dayText(c.date) }),
    el('td', { class: 'num', text: c.credited === false ? '已计' : numberText(c.hours, 2) })));
  document.getElementById('completed').replaceChildren(...rows);
  document.getElementById('completed-none').hidden = rows.length > 0;
  const total = list.reduce((sum, c) => sum + (c.credited === false ? 0 : Number(c.hours) || 0), 0);
  document.getElementById('done-count').textContent = list.length ? `${list.length} 项，计 ${numberText(total, 2)} 学时` : '';
}

function showQuizzes(r) {
  const list = r.quizzes || [];
  const rows = list.map((q) => el('tr', {},
    el('th', { scope: 'row', text: q.title || '练习题' }),
    el('td', { class: 'num', text: dayText(q.date) }),
    el('td', { class: 'num', text: `${q.correct}/${q.questions}` }),
    el('td', {}, el('span', { class: 'badge ' + (q.passed ? 'badge-status-published' : 'badge-warn'), text: q.passed ? '通过' : '未通过' }))));
  document.getElementById('quizzes').replaceChildren(...rows);
  document.getElementById('quizzes-none').hidden = rows.length > 0;
  const sum = r.summary || {};
  document.getElementById('quiz-summary').textContent = list.length
    ? `${sum.quizzes ?? list.length} 次，通过 ${sum.passed ?? list.filter((q) => q.passed).length} 次（${percentText(sum.pass_rate)}）` : '';
}

// mastery: [{code, label, value, history: [{month, value}]}] → the months
// any discipline moved in, and per discipline its value in each (a month
// without a new value keeps the last one: mastery does not vanish).
function masterySeries(r) {
  const mastery = r.mastery || [];
  const months = [...new Set(mastery.flatMap((m) => (m.history || []).map((h) => h.month)))].sort();
  const series = mastery.filter((m) => (m.history || []).length).map((m) => {
    const values = new Map(m.history.map((h) => [h.month, Number(h.value)]));
    let last = null;
    return { code: m.code, label: m.label || m.code, values: months.map((month) => { if (values.has(month)) last = values.get(month); return last; }) };
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
    el('span', { class: 'review-meta', text: `到期：${dayText(x.due)}` +
      (Number.isFinite(Number(x.recall)) ? ` · 预计记忆保持 ${percentText(x.recall, 0)}` : '') }))));
  document.getElementById('reviews-none').hidden = due.length > 0;
  document.getElementById('reviews-count').textContent = due.length ? `${due.length} 题` : '';
}

document.addEventListener('DOMContentLoaded', async () => {
  const id = Number(new URLSearchParams(location.search).get('id'));
  let record;
  try {
    if (!(await requireSupervisor(notice))) return;
    if (!Number.isInteger(id) || id <= 0) {
      say(notice, '没有指定要查看的干部，请从单位概况中选择。', 'error');
      return;
    }
    const period = new URLSearchParams(location.search);
    record = await api(`/api/supervisor/people/${id}`, { query: { from: period.get('from'), to: period.get('to') } });
  } catch (err) {
    if (err.status === 403 || err.status === 404) say(notice, '无权查看此人的学习档案：只能查看本单位及下级单位的干部。', 'error');
    else if (err.status !== 401) say(notice, `学习档案加载失败：${err.message}`, 'error');
    return;
  }
  document.getElementById('record').hidden = false;
  showHeader(record);
  showMastery(record);
  showQuizzes(record);
  showReviews(record);
  showCompleted(record);
  document.body.dataset.loaded = 'true';
});

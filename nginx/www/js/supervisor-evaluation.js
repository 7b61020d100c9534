// supervisor-evaluation.js — 立体评估 (/supervisor/evaluation.html): the
// composite score of the supervisor's unit and the ranking of its sub-units
// for one month (knowledge tests, behaviour observation, peer and mass
// feedback, data monitoring, with the admin's weights), the trend over six
// months, each cadre's scores, and the entry of behaviour and feedback
// scores. A missing component says 缺 and leaves the composite empty; the
// reference score over the present components is shown beside it, marked.
// Unit and month live in the address (?unit=&period=).

import { api } from './api.js';
import { el, say, requireSupervisor } from './ui.js';
import { COLORS, SERIES_COLORS, drawChart, emptyChart, numberText, monthText } from './charts.js';

const notice = document.getElementById('page-notice');
const COMPONENTS = [
  ['knowledge', '知识测试'], ['behaviour', '行为观察'], ['feedback', '群众评议'], ['data', '数据监测'],
];

function params() {
  const p = new URLSearchParams(location.search);
  return { unit: p.get('unit') || '', period: p.get('period') || '' };
}

function link(unit, period) {
  const p = new URLSearchParams();
  if (unit) p.set('unit', unit);
  if (period) p.set('period', period);
  return `?${p.toString()}`;
}

const scoreText = (v) => (v === null || v === undefined ? '缺' : numberText(v, 1));

function compositeCell(o) {
  if (o.score !== null) return el('td', { class: 'score', text: numberText(o.score, 1) });
  return el('td', { class: 'score score-partial', title: `缺少：${o.missing.map(nameOf).join('、')}` },
    el('span', { text: '—' }),
    o.partial_score !== null ? el('span', { class: 'muted small', text: `（参考 ${numberText(o.partial_score, 1)}）` }) : null);
}

function nameOf(code) { return (COMPONENTS.find(([c]) => c === code) || [code, code])[1]; }

function componentCells(o) {
  return COMPONENTS.map(([code]) => el('td', {
    class: o.components[code] === null ? 'cell-missing' : '', dataset: { component: code },
    text: scoreText(o.components[code]),
  }));
}

function showSelf(reply) {
  const u = reply.unit;
  document.getElementById('self-name').textContent = `${u.name} · ${monthText(reply.period)}`;
  document.getElementById('self').replaceChildren(
    el('li', { class: 'kpi', dataset: { kpi: 'score' } },
      el('span', { class: 'kpi-label', text: '综合得分' }),
      el('span', { class: 'kpi-value', text: u.score === null ? '—' : numberText(u.score, 1) }),
      el('span', { class: 'kpi-note', text: u.score === null ? `缺少${u.missing.map(nameOf).join('、')}，参考分 ${scoreText(u.partial_score)}` : '四项齐全' })),
    ...COMPONENTS.map(([code, label]) => el('li', { class: `kpi${u.components[code] === null ? ' kpi-warn' : ''}`, dataset: { kpi: code } },
      el('span', { class: 'kpi-label', text: `${label}（权重 ${numberText(reply.weights[code], 0)}%）` }),
      el('span', { class: 'kpi-value', text: scoreText(u.components[code]) }),
      el('span', { class: 'kpi-note', text: detailText(code, u.details) }))));
  document.getElementById('self-note').textContent = reply.rule || '';
}

function detailText(code, d) {
  if (code === 'knowledge') return d.answers ? `本月首次作答 ${d.answers} 题，答对 ${d.correct} 题` : '本月无首次作答的测验';
  if (code === 'data') {
    return d.cadres ? `参与率 ${numberText((d.participation || 0) * 100, 1)}%，推送完成率 ${d.completion === null ? '—' : `${numberText(d.completion * 100, 1)}%`}` : '无干部';
  }
  return '监督员录入';
}

function showRanking(reply, period) {
  const units = reply.units;
  document.getElementById('units').replaceChildren(...units.map((o) => el('tr', { dataset: { unit: String(o.unit_id) } },
    el('td', { text: o.rank === null ? '—' : String(o.rank) }),
    el('th', { scope: 'row' }, el('a', { href: link(o.unit_id, period), text: o.name })),
    compositeCell(o), ...componentCells(o))));
  const chart = document.getElementById('rank-chart');
  if (!units.length) { emptyChart(chart, '没有下级单位。'); return; }
  const rows = units.slice().reverse();
  drawChart(chart, {
    legend: {},
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', max: 100 },
    yAxis: { type: 'category', data: rows.map((o) => o.name), axisLabel: { width: 100, overflow: 'truncate' } },
    series: [
      { name: '综合得分', type: 'bar', data: rows.map((o) => o.score), itemStyle: { color: COLORS.completion } },
      { name: '参考分（有缺项）', type: 'bar', data: rows.map((o) => (o.score === null ? o.partial_score : null)), itemStyle: { color: COLORS.control } },
    ],
  });
}

async function showTrend(unit, period) {
  const reply = await api('/api/supervisor/evaluation/trend', { query: { unit, to: period } });
  const chart = document.getElementById('trend-chart');
  if (!reply.periods.some((p) => p.partial_score !== null)) { emptyChart(chart, '近六个月没有评估数据。'); return; }
  drawChart(chart, {
    legend: {},
    xAxis: { type: 'category', data: reply.periods.map((p) => monthText(p.period, true)) },
    yAxis: { type: 'value', max: 100 },
    series: [
      { name: '综合', type: 'line', data: reply.periods.map((p) => p.score), lineStyle: { width: 3 }, itemStyle: { color: COLORS.ink }, connectNulls: false },
      ...COMPONENTS.map(([code, label], i) => ({
        name: label, type: 'line', data: reply.periods.map((p) => p.components[code]), itemStyle: { color: SERIES_COLORS[i] },
      })),
    ],
  });
}

async function showPeople(unit, period) {
  const reply = await api('/api/supervisor/evaluation/people', { query: { unit, period } });
  document.getElementById('people').replaceChildren(...reply.people.map((o) => el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: `/supervisor/person.html?id=${o.user_id}`, text: o.name })),
    el('td', { text: o.unit_name }), compositeCell(o), ...componentCells(o))));
}

// "u12,85" / "p35,90" lines → [{unit_id|user_id, score}]; throws with the line number.
function parseRows(text) {
  const rows = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const m = /^([up])\s*(\d+)\s*[,，\t ]\s*(\d+(?:\.\d+)?)$/i.exec(t);
    if (!m) throw new Error(`第 ${i + 1} 行格式不对：应为 u单位编号,分数 或 p人员编号,分数`);
    rows.push({ [m[1].toLowerCase() === 'u' ? 'unit_id' : 'user_id']: Number(m[2]), score: Number(m[3]) });
  });
  if (!rows.length) throw new Error('请至少填写一行评分。');
  return rows;
}

async function show() {
  const { unit, period } = params();
  const reply = await api('/api/supervisor/evaluation', { query: { unit, period } });
  document.getElementById('f-period').value = reply.period;
  const w = reply.weights;
  document.getElementById('weights').textContent =
    `权重：${COMPONENTS.map(([c, l]) => `${l} ${numberText(w[c], 0)}%`).join('，')}（管理员可调整）`;
  const crumbs = document.getElementById('crumbs');
  crumbs.replaceChildren(el('a', { href: link('', reply.period), text: '本单位' }),
    ...(unit ? [el('span', { text: ` › ${reply.unit.name}` })] : []));
  showSelf(reply);
  showRanking(reply, reply.period);
  await showTrend(unit, reply.period);
}

async function main() {
  const me = await requireSupervisor(notice);
  if (!me) return;
  document.getElementById('board').hidden = false;
  document.getElementById('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    location.search = link(params().unit, document.getElementById('f-period').value);
  });
  document.getElementById('people-load').addEventListener('click', () => {
    const { unit, period } = params();
    showPeople(unit, period || document.getElementById('f-period').value).catch((err) => say(notice, err.message, 'error'));
  });
  document.getElementById('entry').addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = document.getElementById('entry-notice');
    try {
      const scores = parseRows(document.getElementById('e-rows').value);
      const reply = await api('/api/supervisor/evaluation/scores', {
        json: {
          period: document.getElementById('f-period').value,
          component: document.getElementById('e-component').value,
          source: document.getElementById('e-source').value.trim(),
          scores,
        },
      });
      say(box, `已保存 ${reply.saved} 条评分。`, 'ok');
      await show();
    } catch (err) {
      const field = err.body && err.body.error && err.body.error.field;
      say(box, field ? `${field}：${err.message}` : err.message, 'error');
    }
  });
  await show();
}

main().catch((err) => say(notice, err.message, 'error'));

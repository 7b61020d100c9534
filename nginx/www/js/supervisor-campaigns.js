// supervisor-campaigns.js — 专题学习完成情况 (/supervisor/campaigns.html): for
// one campaign, within the supervisor's units, how many cadres it targets,
// how many completed, passed, have not started or are overdue, per unit
// (table and stacked bars), who is overdue, the reminders, and the exports.
// The campaign and unit live in the address (?id=&unit=).

import { api } from './api.js';
import { el, say, requireSupervisor } from './ui.js';
import { COLORS, drawChart, emptyChart, percentText } from './charts.js';

const notice = document.getElementById('page-notice');
const campaignSelect = document.getElementById('f-campaign');
const unitSelect = document.getElementById('f-unit');

function params() {
  const p = new URLSearchParams(location.search);
  return { id: p.get('id') || '', unit: p.get('unit') || '' };
}

function go(id, unit) {
  const p = new URLSearchParams();
  if (id) p.set('id', id);
  if (unit) p.set('unit', unit);
  history.replaceState(null, '', `?${p.toString()}`);
  show().catch((err) => say(notice, err.message, 'error'));
}

function kpi(label, value, note, warn = false) {
  return el('li', { class: `kpi${warn ? ' kpi-warn' : ''}`, dataset: { kpi: label } },
    el('span', { class: 'kpi-label', text: label }),
    el('span', { class: 'kpi-value', text: String(value) }),
    note ? el('span', { class: 'kpi-note', text: note }) : null);
}

function showUnits(reply) {
  const rows = reply.units || [];
  document.getElementById('units').replaceChildren(...rows.map((u) => el('tr', { dataset: { unit: String(u.unit_id) } },
    el('th', { scope: 'row' }, el('a', { href: `?id=${reply.campaign.id}&unit=${u.unit_id}`, text: u.unit_name })),
    el('td', { text: String(u.target) }), el('td', { text: String(u.completed) }),
    el('td', { text: u.passed === null ? '—' : String(u.passed) }),
    el('td', { text: String(u.not_started) }),
    el('td', { class: u.overdue ? 'cell-warn' : '', text: String(u.overdue) }),
    el('td', { text: percentText(u.completion_rate) }))));
  const chart = document.getElementById('units-chart');
  if (!rows.length) { emptyChart(chart, '范围内没有目标干部。'); return; }
  const names = rows.map((u) => u.unit_name);
  const series = [
    ['已完成', rows.map((u) => u.done), COLORS.completion],
    ['学习中', rows.map((u) => u.in_progress), COLORS.participation],
    ['未开始', rows.map((u) => u.not_started), COLORS.control],
  ];
  drawChart(chart, {
    legend: {},
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: names, axisLabel: { width: 110, overflow: 'truncate' } },
    series: [
      ...series.map(([name, data, color]) => ({ name, type: 'bar', stack: 'all', data, itemStyle: { color } })),
      { name: '其中逾期', type: 'bar', data: rows.map((u) => u.overdue), itemStyle: { color: COLORS.danger } },
    ],
  });
}

function showPeople(list, box, none, count) {
  box.replaceChildren(...list.map((w) => el('li', { class: 'warning' },
    el('a', { href: w.link || `/supervisor/person.html?id=${w.user_id}`, text: w.message || `${w.name}（${w.unit_name}）` }))));
  none.hidden = list.length > 0;
  if (count) count.textContent = list.length ? `${list.length} 人` : '';
}

async function show() {
  const { id, unit } = params();
  if (!id) return;
  campaignSelect.value = id;
  const reply = await api(`/api/supervisor/campaigns/${id}/coverage`, { query: { unit } });
  const c = reply.campaign;
  const rate = reply.target ? reply.completed / reply.target : null;
  document.getElementById('kpi-scope').textContent = `${c.title} · ${c.start} 至 ${c.deadline}${c.past_deadline ? '（已截止）' : ''}`;
  const kpis = document.getElementById('kpis');
  kpis.replaceChildren(
    kpi('应学人数', reply.target, `共 ${c.item_count} 项内容`),
    kpi('已完成', reply.completed, `完成率 ${percentText(rate)}`),
    kpi('已通过测验', reply.passed === null ? '—' : reply.passed, c.pass_mark === null ? '未设测验' : `及格线 ${Math.round(c.pass_mark * 100)}%`),
    kpi('未开始', reply.not_started, null, reply.not_started > 0 && c.past_deadline),
    kpi('逾期', reply.overdue, `3 天内到期 ${reply.due_soon} 人`, reply.overdue > 0));
  kpis.removeAttribute('aria-busy');
  if (unitSelect.options.length <= 1 || !unit) {
    unitSelect.replaceChildren(el('option', { value: '', text: '本单位及下级全部' }),
      ...(reply.units || []).map((u) => el('option', { value: String(u.unit_id), text: u.unit_name })));
  }
  unitSelect.value = unit;
  const q = unit ? `&unit=${unit}` : '';
  document.getElementById('export-csv').href = `/api/supervisor/campaigns/${id}/coverage?format=csv${q}`;
  document.getElementById('export-xlsx').href = `/api/supervisor/campaigns/${id}/coverage?format=xlsx${q}`;
  showUnits(reply);
  showPeople(reply.overdue_people.map((p) => ({ ...p, message: `${p.name}（${p.unit_name}）完成 ${p.items_completed}/${p.items_total} 项` })),
    document.getElementById('overdue'), document.getElementById('overdue-none'), document.getElementById('overdue-count'));
  const warnings = await api('/api/supervisor/campaigns/warnings', { query: { unit } });
  showPeople(warnings.warnings.filter((w) => w.campaign_id === Number(id)),
    document.getElementById('warnings'), document.getElementById('warnings-none'));
}

async function main() {
  const me = await requireSupervisor(notice);
  if (!me) return;
  const reply = await api('/api/supervisor/campaigns');
  if (!reply.campaigns.length) {
    say(notice, '还没有专题学习。', 'info');
    return;
  }
  campaignSelect.replaceChildren(...reply.campaigns.map((c) => el('option', {
    value: String(c.id), text: `${c.title}（截止 ${c.deadline}${c.status === 'closed' ? '，已结束' : ''}）`,
  })));
  document.getElementById('board').hidden = false;
  campaignSelect.addEventListener('change', () => go(campaignSelect.value, ''));
  unitSelect.addEventListener('change', () => go(campaignSelect.value, unitSelect.value));
  const { id, unit } = params();
  go(id || String(reply.campaigns[0].id), unit);
}

main().catch((err) => say(notice, err.message, 'error'));

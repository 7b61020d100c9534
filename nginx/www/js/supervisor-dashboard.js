// supervisor-dashboard.js — 学习概况 (/supervisor/): whether learning happens in
// the units a supervisor oversees, whether personalised push lifts
// completion, and what needs acting on.
//
// Filters (unit within the caller's scope, period, category) live in the
// address (?unit=&from=&to=&category=), so a drill-down is a link and a view
// can be bookmarked. Figures come from /api/supervisor/overview, /lift,
// /warnings and /people; every rate on the page is the API's, formatted.

import { api } from './api.js';
import { el, say, requireSupervisor, categoryLabel } from './ui.js';
import {
  COLORS, drawChart, emptyChart, percentAxis, percentText, pointsText, numberText, monthText,
} from './charts.js';

const notice = document.getElementById('page-notice');
const FILTER_KEYS = ['unit', 'from', 'to', 'category'];
const TARGET_HOURS = 40;
const HOUR_BINS = [0, 5, 10, 15, 20, 25, 30, 35, 40];

function currentFilters() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const key of FILTER_KEYS) {
    const value = (params.get(key) || '').trim();
    if (value) filters[key] = value;
  }
  return filters;
}

// The address of this page (or an API path) with the filters, changed by 'overrides'.
function withFilters(path, filters, overrides = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...overrides })) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const unitIdOf = (u) => u.unit_id ?? u.id;

// ------------------------------------------------------------------ filters

function unitOptions(units, rootId) {
  // Depth-first from the caller's root, so the select reads as a tree.
  const children = new Map();
  for (const u of units) {
    const parent = u.parent_id ?? null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(u);
  }
  const ids = new Set(units.map(unitIdOf));
  const roots = units.filter((u) => unitIdOf(u) === rootId || !ids.has(u.parent_id));
  const out = [];
  const walk = (u, depth) => {
    out.push(el('option', { value: String(unitIdOf(u)), text: `${'　'.repeat(depth)}${u.name}` }));
    for (const c of children.get(unitIdOf(u)) || []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

function showFilters(filters, overview, units) {
  const select = document.getElementById('f-unit');
  const here = overview.unit || {};
  const hereId = unitIdOf(here);
  let list = units;
  if (!list || !list.length) {
    // No unit list: the path down to here and the sub-units are enough to move.
    list = [...(here.path || []), here, ...(overview.units || []).map((u) => ({ ...u, parent_id: hereId }))]
      .filter((u) => u && unitIdOf(u) !== undefined);
    list = list.map((u, i) => ({ ...u, parent_id: u.parent_id ?? (i ? unitIdOf(list[i - 1]) : null) }));
  }
  select.replaceChildren(...unitOptions(list, list.length ? unitIdOf(list[0]) : null));
  if (hereId !== undefined) select.value = String(hereId);
  document.getElementById('f-from').value = filters.from || overview.from || '';
  document.getElementById('f-to').value = filters.to || overview.to || '';
  document.getElementById('f-category').value = filters.category || '';

  const crumbs = document.getElementById('crumbs');
  const path = [...(here.path || []).filter((p) => unitIdOf(p) !== hereId)];
  crumbs.replaceChildren(...path.flatMap((p) => [
    el('a', { href: withFilters('/supervisor/', filters, { unit: unitIdOf(p) }), text: p.name }),
    el('span', { class: 'crumb-sep', 'aria-hidden': 'true', text: ' › ' }),
  ]), el('strong', { 'aria-current': 'page', text: here.name || '全部单位' }));

  document.getElementById('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const next = {
      unit: select.value,
      category: document.getElementById('f-category').value,
      from: document.getElementById('f-from').value,
      to: document.getElementById('f-to').value,
    };
    if (next.from && next.to && next.from > next.to) {
      say(notice, '起始日期不能晚于截止日期', 'error');
      return;
    }
    location.assign(withFilters('/supervisor/', {}, next));
  });
}

// ------------------------------------------------------------------ figures

function kpi(key, label, value, note, warn = false) {
  return el('li', { class: 'kpi' + (warn ? ' kpi-warn' : ''), dataset: { key } },
    el('span', { class: 'kpi-label', text: label }),
    el('span', { class: 'kpi-value', text: value }),
    note ? el('span', { class: 'kpi-note', text: note }) : null);
}

function showKpis(o, filters, thresholds) {
  const target = Number(o.target_hours) || TARGET_HOURS;
  const pace = o.pace || {};
  const expected = pace.expected_hours;
  const hours = Number(o.hours_per_cadre);
  const behind = Number.isFinite(Number(expected)) && hours < Number(expected);
  const paceNote = Number.isFinite(Number(expected))
    ? `目标 ${target} 学时，当前应达 ${numberText(expected)}` : `目标 ${target} 学时/年`;
  const lowParticipation = Number(o.participation_rate) < (thresholds.participation ?? 0.6);
  const lowPass = Number(o.pass_rate) < (thresholds.pass_rate ?? 0.8);
  document.getElementById('kpis').replaceChildren(
    kpi('cadres', '干部人数', `${o.cadres ?? '—'}`, filters.category ? categoryLabel(filters.category) : '本单位及下级'),
    kpi('completion_rate', '完成率', percentText(o.completion_rate), `推送 ${o.pushed ?? '—'}，完成 ${o.completed ?? '—'}`),
    kpi('participation_rate', '参与率', percentText(o.participation_rate), '有学习行为的干部占比', lowParticipation),
    kpi('pass_rate', '测验通过率', percentText(o.pass_rate), '目标 ≥ 85%', lowPass),
    kpi('hours_per_cadre', '人均学时', numberText(o.hours_per_cadre), paceNote, behind),
  );
  document.getElementById('kpis').removeAttribute('aria-busy');
  const scope = document.getElementById('kpi-scope');
  scope.textContent = [o.unit && o.unit.name, o.from && o.to ? `${o.from} 至 ${o.to}` : ''].filter(Boolean).join(' · ');

  const groups = o.key_groups || {};
  const parts = ['grassroots', 'new_hire'].filter((g) => groups[g]).map((g) => {
    const x = groups[g];
    const rate = x.participation_rate ?? x.coverage ?? x.rate;
    return `${categoryLabel(g)} ${x.cadres ?? '—'} 人，参与率 ${percentText(rate)}`;
  });
  document.getElementById('key-groups').textContent = parts.length ? `重点群体：${parts.join('；')}（应达 100%）` : '';
}

function ciText(ci, format) {
  return Array.isArray(ci) && ci.length === 2 ? `95% 置信区间 ${format(ci[0])} ～ ${format(ci[1])}` : '';
}

function showLiftFigures(lift) {
  const arms = lift.arms || {};
  const p = arms.personalised || {};
  const c = arms.control || {};
  const d = lift.difference || {};
  const r = lift.ratio || {};
  const fig = (id, label, value, note) => el('div', { class: 'lift-figure', id },
    el('span', { class: 'kpi-label', text: label }), el('span', { class: 'lift-value', text: value }),
    el('span', { class: 'kpi-note', text: note }));
  const ratio = (v) => numberText(v, 2);
  document.getElementById('lift-figures').replaceChildren(
    fig('lift-personalised', '个性化推送组', percentText(p.rate), `${p.cadres ?? '—'} 人 · 推送 ${p.pushed ?? '—'} · 完成 ${p.completed ?? '—'}`),
    fig('lift-control', '随机对照组', percentText(c.rate), `${c.cadres ?? '—'} 人 · 推送 ${c.pushed ?? '—'} · 完成 ${c.completed ?? '—'}`),
    fig('lift-difference', '差值', pointsText(d.value), ciText(d.ci95, pointsText)),
    fig('lift-ratio', '比值', d.value === undefined && r.value === undefined ? '—' : `${ratio(r.value)} 倍`, ciText(r.ci95, ratio)),
  );
  const lo = Array.isArray(d.ci95) ? Number(d.ci95[0]) : NaN;
  const verdict = el('p', { class: 'lift-verdict' });
  if (Number.isFinite(lo) && lo > 0) {
    verdict.textContent = '个性化推送组的完成率高于对照组，差值的 95% 置信区间不含 0：提升显著。';
    verdict.classList.add('lift-verdict-yes');
  } else if (Number.isFinite(lo)) {
    verdict.textContent = '两组差值的 95% 置信区间包含 0：目前的数据还不足以说明提升。';
  } else {
    verdict.textContent = '所选范围内两组的推送数据不足，暂无法比较。';
  }
  document.getElementById('lift-figures').append(verdict);
}

function showLiftChart(lift) {
  const box = document.getElementById('lift-chart');
  const months = (lift.months || []).filter((m) => m && m.month);
  if (!months.length) {
    const arms = lift.arms || {};
    if (!arms.personalised || !arms.control) { emptyChart(box, '暂无推送数据'); return; }
    drawChart(box, {
      legend: { show: false },
      xAxis: { type: 'category', data: ['个性化推送组', '随机对照组'] },
      yAxis: percentAxis(),
      tooltip: { trigger: 'axis', valueFormatter: (v) => percentText(v) },
      series: [{ type: 'bar', barMaxWidth: 56, name: '完成率',
        data: [{ value: arms.personalised.rate, itemStyle: { color: COLORS.personalised } },
          { value: arms.control.rate, itemStyle: { color: COLORS.control } }],
        label: { show: true, position: 'top', formatter: (x) => percentText(x.value) } }],
    });
    return;
  }
  const rate = (arm) => (arm && arm.rate !== undefined ? arm.rate : null);
  const diff = (m) => m.difference || {};
  const lo = months.map((m) => (Array.isArray(diff(m).ci95) ? diff(m).ci95[0] : null));
  const width = months.map((m, i) => (Array.isArray(diff(m).ci95) ? diff(m).ci95[1] - lo[i] : null));
  const arms = (m) => m.arms || m;
  drawChart(box, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => percentText(v) },
    legend: { data: ['个性化推送组', '随机对照组', '差值', '差值 95% 置信区间'] },
    xAxis: { type: 'category', data: months.map((m) => monthText(m.month, true)), boundaryGap: false },
    yAxis: percentAxis(),
    series: [
      { name: '个性化推送组', type: 'line', data: months.map((m) => rate(arms(m).personalised)),
        itemStyle: { color: COLORS.personalised }, lineStyle: { width: 3 }, symbolSize: 7 },
      { name: '随机对照组', type: 'line', data: months.map((m) => rate(arms(m).control)),
        itemStyle: { color: COLORS.control }, lineStyle: { width: 3 }, symbolSize: 7 },
      { name: '差值', type: 'line', data: months.map((m) => diff(m).value ?? null),
        itemStyle: { color: COLORS.warn }, lineStyle: { type: 'dashed' }, symbolSize: 5 },
      // The band: an invisible line at the lower bound, the width stacked on it.
      { name: 'ci-lower', type: 'line', data: lo, stack: 'ci', stackStrategy: 'all', symbol: 'none',
        lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true },
      { name: '差值 95% 置信区间', type: 'line', data: width, stack: 'ci', stackStrategy: 'all', symbol: 'none',
        lineStyle: { opacity: 0 }, areaStyle: { color: COLORS.band }, itemStyle: { color: COLORS.band },
        tooltip: { show: false }, silent: true },
    ],
  });
}

function showTrend(lift, overview) {
  const t = lift.before_after || lift.trend || overview.before_after || null;
  const line = document.getElementById('lift-trend');
  if (!t) { line.textContent = ''; return; }
  const start = t.start || t.since || '';
  const before = t.before && (t.before.rate ?? t.before.completion_rate);
  const after = t.after && (t.after.rate ?? t.after.completion_rate);
  line.textContent = `个性化推送自 ${start || '上线'} 起：此前完成率 ${percentText(before)}，此后 ${percentText(after)}。`;
}

function showMonths(o) {
  const box = document.getElementById('months-chart');
  const months = (o.months || []).filter((m) => m && m.month);
  if (!months.length) { emptyChart(box, '所选期间暂无按月数据'); return; }
  drawChart(box, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => percentText(v) },
    xAxis: { type: 'category', data: months.map((m) => monthText(m.month, true)) },
    yAxis: percentAxis({ max: 1 }),
    series: [
      { name: '完成率', type: 'bar', data: months.map((m) => m.completion_rate ?? null),
        itemStyle: { color: COLORS.completion }, barMaxWidth: 28 },
      { name: '参与率', type: 'line', data: months.map((m) => m.participation_rate ?? null),
        itemStyle: { color: COLORS.participation }, lineStyle: { width: 3 },
        markLine: { silent: true, symbol: 'none', lineStyle: { color: COLORS.danger, type: 'dashed' },
          label: { formatter: '参与率预警线 60%', position: 'insideEndTop', color: COLORS.danger },
          data: [{ yAxis: 0.6 }] } },
    ],
  });
}

// The distribution of this year's hours: the API's bins, else binned here from the people.
function hourBins(o, people) {
  const given = o.hours_distribution || (o.hours && o.hours.bins);
  if (Array.isArray(given) && given.length) {
    return given.map((b) => ({
      label: b.label || (b.to === null || b.to === undefined ? `${b.from}+` : `${b.from}–${b.to}`),
      cadres: Number(b.cadres ?? b.count) || 0,
    }));
  }
  if (!people || !people.length) return [];
  const bins = HOUR_BINS.map((from, i) => ({
    label: i === HOUR_BINS.length - 1 ? `${from}+` : `${from}–${HOUR_BINS[i + 1]}`, cadres: 0,
  }));
  for (const p of people) {
    const h = Number(p.hours_year ?? p.hours) || 0;
    let i = HOUR_BINS.length - 1;
    while (i > 0 && h < HOUR_BINS[i]) i--;
    bins[i].cadres++;
  }
  return bins;
}

function showHours(o, people) {
  const box = document.getElementById('hours-chart');
  const bins = hourBins(o, people);
  const target = Number(o.target_hours) || TARGET_HOURS;
  document.getElementById('hours-note').textContent = `单位：学时；年度目标 ${target} 学时`;
  if (!bins.length || !bins.some((b) => b.cadres > 0)) { emptyChart(box, '暂无学时数据'); return; }
  drawChart(box, {
    legend: { show: false },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${v} 人` },
    xAxis: { type: 'category', data: bins.map((b) => b.label), name: '学时', nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: COLORS.grid } } },
    grid: { left: 8, right: 12, top: 16, bottom: 24, containLabel: true },
    series: [{ name: '干部人数', type: 'bar', data: bins.map((b) => b.cadres), itemStyle: { color: COLORS.participation } }],
  });
}

// ------------------------------------------------------------------ tables

function warnedUnits(warnings) {
  const ids = new Set();
  for (const w of warnings) if (w.unit_id !== undefined && w.unit_id !== null) ids.add(w.unit_id);
  return ids;
}

function rateCell(value, threshold) {
  const low = threshold !== undefined && Number.isFinite(Number(value)) && Number(value) < threshold;
  return el('td', { class: 'num' + (low ? ' cell-warn' : ''), text: percentText(value) });
}

function showUnits(o, filters, warnings, thresholds) {
  const units = o.units || [];
  const warned = warnedUnits(warnings);
  const rows = units.map((u) => {
    const id = unitIdOf(u);
    const count = Number(u.warnings ?? u.warning_count) || warnings.filter((w) => w.unit_id === id).length;
    const flagged = count > 0 || warned.has(id);
    return el('tr', { class: flagged ? 'row-warn' : '', dataset: { unitId: String(id) } },
      el('th', { scope: 'row' }, el('a', { href: withFilters('/supervisor/', filters, { unit: id }), text: u.name })),
      el('td', { class: 'num', text: String(u.cadres ?? '—') }),
      rateCell(u.completion_rate),
      rateCell(u.participation_rate, thresholds.participation ?? 0.6),
      rateCell(u.pass_rate, thresholds.pass_rate ?? 0.8),
      el('td', { class: 'num', text: numberText(u.hours_per_cadre) }),
      el('td', {}, flagged ? el('span', { class: 'badge badge-warn', text: count ? `${count} 条` : '有' }) : '—'));
  });
  document.getElementById('units').replaceChildren(...rows);
  document.getElementById('units-none').hidden = rows.length > 0;
}

function showPeople(people) {
  const rows = people.map((p) => el('tr', { dataset: { userId: String(p.id ?? p.user_id) } },
    el('th', { scope: 'row' }, el('a', { href: `/supervisor/person.html?id=${p.id ?? p.user_id}`, text: p.name || p.login })),
    el('td', { text: p.unit_name || '' }),
    el('td', { text: categoryLabel(p.category) }),
    el('td', { class: 'num', text: String(p.completed ?? '—') }),
    el('td', { class: 'num', text: numberText(p.hours_year ?? p.hours) }),
    el('td', { class: 'num', text: percentText(p.pass_rate) })));
  document.getElementById('people').replaceChildren(...rows);
  document.getElementById('people-none').hidden = rows.length > 0;
  document.getElementById('people-count').textContent = `共 ${people.length} 人`;
}

const WARNING_LABELS = {
  low_participation: '参与率低', low_pass_rate: '通过率低', behind_pace: '学时落后', inactive: '长期未学习',
  campaign_overdue: '专项逾期', campaign_due_soon: '专项将到期',
};

function showWarnings(warnings) {
  const rows = warnings.map((w) => el('li', { class: `warning warning-${w.kind}`, dataset: { kind: w.kind } },
    el('span', { class: 'badge badge-warn', text: WARNING_LABELS[w.kind] || '预警' }),
    w.link ? el('a', { class: 'warning-link', href: w.link, text: w.message || w.unit_name || '查看' })
      : el('span', { text: w.message || '' })));
  document.getElementById('warnings').replaceChildren(...rows);
  document.getElementById('warnings-none').hidden = rows.length > 0;
  document.getElementById('warnings-count').textContent = warnings.length ? `${warnings.length} 条` : '';
}

function showExports(filters) {
  const sets = [['overview', '学习概况'], ['warnings', '预警'], ['people', '干部名单']];
  document.getElementById('exports').replaceChildren(...sets.map(([name, label]) => el('div', { class: 'export-row' },
    el('span', { class: 'export-label', text: label }),
    ...['csv', 'xlsx'].map((format) => el('a', {
      class: 'button button-secondary button-small', download: '', dataset: { export: `${name}-${format}` },
      href: withFilters(`/api/supervisor/${name}`, filters, { format }), text: format === 'csv' ? 'CSV' : 'Excel',
    })))));
}

// ------------------------------------------------------------------ start

document.addEventListener('DOMContentLoaded', async () => {
  const filters = currentFilters();
  try {
    if (!(await requireSupervisor(notice))) return;
  } catch (err) {
    if (err.status !== 401) say(notice, `加载失败：${err.message}`, 'error');
    return;
  }
  const soft = (promise) => promise.catch((err) => (err.status === 404 ? null : Promise.reject(err)));
  let overview, lift, warningsReply, peopleReply;
  try {
    [overview, lift, warningsReply, peopleReply] = await Promise.all([
      api('/api/supervisor/overview', { query: filters }),
      api('/api/supervisor/lift', { query: filters }),
      api('/api/supervisor/warnings', { query: filters }),
      soft(api('/api/supervisor/people', { query: filters })),
    ]);
  } catch (err) {
    if (err.status !== 401) say(notice, `学习数据加载失败：${err.message}`, 'error');
    return;
  }
  document.getElementById('dashboard').hidden = false;
  const warnings = (warningsReply && warningsReply.warnings) || [];
  const thresholds = (warningsReply && warningsReply.thresholds) || {};
  const people = (peopleReply && peopleReply.people) || [];
  showFilters(filters, overview, overview.unit_tree || overview.scope_units);
  showKpis(overview, filters, thresholds);
  showLiftFigures(lift);
  showLiftChart(lift);
  showTrend(lift, overview);
  showMonths(overview);
  showHours(overview, people);
  showUnits(overview, filters, warnings, thresholds);
  showPeople(people);
  showWarnings(warnings);
  showExports(filters);
  document.body.dataset.loaded = 'true';
});

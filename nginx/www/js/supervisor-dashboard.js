// supervisor-dashboard.js — 学习概况 (/supervisor/): whether learning happens in
// the units a supervisor oversees, whether personalised push lifts
// completion, and what needs acting on.
//
// Filters (unit within the caller's scope, period, category) live in the
// address (?unit=&from=&to=&category=), so a drill-down is a link and a view
// can be bookmarked. Figures come from /api/supervisor/overview, /lift,
// /warnings and /people (fcgi/SUPERVISOR-API.md); every rate on the page is
// the API's, formatted; only the hours distribution is binned here, from
// the people's hours.

import { api } from './api.js';
import { el, say, requireSupervisor, categoryLabel } from './ui.js';
import {
  COLORS, drawChart, emptyChart, percentAxis, percentText, pointsText, numberText, monthText,
} from './charts.js';

const notice = document.getElementById('page-notice');
const FILTER_KEYS = ['unit', 'from', 'to', 'category'];
const TARGET_HOURS = 40;
const HOUR_BINS = [0, 5, 10, 15, 20, 25, 30, 35, 40];
// Rows shown before a 显示更多 button.
const PEOPLE_SHOWN = 20;
const WARNINGS_SHOWN = 30;
// The people asked for at once: enough for the hours distribution of a county.
const PEOPLE_PER_PAGE = 500;

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

// ------------------------------------------------------------------ filters

// The units one can move to from here: the caller's whole scope (no unit
// parameter), the unit shown, and its sub-units, indented as a tree.
function unitOptions(overview, filters) {
  const here = overview.unit || {};
  const options = [el('option', { value: '', text: '本级及全部下级单位' })];
  if (filters.unit) options.push(el('option', { value: String(here.id), text: `　${here.name}` }));
  for (const u of overview.by_unit || []) {
    if (u.own) continue;
    options.push(el('option', { value: String(u.unit_id), text: `${filters.unit ? '　　' : '　'}${u.name}` }));
  }
  return options;
}

function showFilters(filters, overview) {
  const select = document.getElementById('f-unit');
  const here = overview.unit || {};
  select.replaceChildren(...unitOptions(overview, filters));
  select.value = filters.unit ? String(here.id) : '';
  document.getElementById('f-from').value = filters.from || overview.from || '';
  document.getElementById('f-to').value = filters.to || overview.to || '';
  document.getElementById('f-category').value = filters.category || '';

  // 全部单位 › this unit (the API names a unit, not its ancestors).
  const crumbs = document.getElementById('crumbs');
  const trail = [];
  if (filters.unit) {
    trail.push(el('a', { href: withFilters('/supervisor/', filters, { unit: '' }), text: '全部单位' }),
      el('span', { class: 'crumb-sep', 'aria-hidden': 'true', text: ' › ' }));
  }
  trail.push(el('strong', { 'aria-current': 'page', text: here.name || '全部单位' }));
  crumbs.replaceChildren(...trail);

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
  const pace = Number(o.pace_hours);
  const behind = Number.isFinite(pace) && Number(o.hours_per_cadre) < pace;
  const paceNote = Number.isFinite(pace) ? `年度目标 ${target}，按进度应达 ${numberText(pace)}` : `年度目标 ${target} 学时`;
  const lowParticipation = Number(o.participation_rate) < (thresholds.warn_participation ?? 0.6);
  const lowPass = Number(o.pass_rate) < (thresholds.warn_pass_rate ?? 0.8);
  document.getElementById('kpis').replaceChildren(
    kpi('cadres', '干部人数', `${o.cadres ?? '—'}`, filters.category ? categoryLabel(filters.category) : '本单位及下级'),
    kpi('completion_rate', '完成率', percentText(o.completion_rate), `推送 ${o.pushed ?? '—'}，完成 ${o.completed ?? '—'}`),
    kpi('participation_rate', '参学率', percentText(o.participation_rate), '各月有学习行为的干部占比', lowParticipation),
    kpi('pass_rate', '测验通过率', percentText(o.pass_rate), `测验 ${o.quizzes ?? '—'}，通过 ${o.passed ?? '—'}`, lowPass),
    kpi('hours_per_cadre', '人均学时', numberText(o.hours_per_cadre), paceNote, behind),
  );
  document.getElementById('kpis').removeAttribute('aria-busy');
  const scope = document.getElementById('kpi-scope');
  scope.textContent = [o.unit && o.unit.name, o.from && o.to ? `${o.from} 至 ${o.to}` : ''].filter(Boolean).join(' · ');

  const parts = (o.key_groups || []).map((g) => `${g.name || categoryLabel(g.category)} ${g.cadres} 人，` +
    `覆盖 ${percentText(g.coverage ?? g.participation_rate)}，人均 ${numberText(g.hours_per_cadre)} 学时`);
  document.getElementById('key-groups').textContent = parts.length ? `重点群体（应全覆盖）：${parts.join('；')}` : '';
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
  const fig = (id, label, value, note, unit = '') => el('div', { class: 'lift-figure', id },
    el('span', { class: 'kpi-label', text: label }),
    el('span', { class: 'lift-line' }, el('span', { class: 'lift-value', text: value }),
      unit && value !== '—' ? el('span', { class: 'lift-unit', text: unit }) : null),
    el('span', { class: 'kpi-note', text: note }));
  const ratio = (v) => numberText(v, 2);
  document.getElementById('lift-figures').replaceChildren(
    fig('lift-personalised', '个性化推送组', percentText(p.rate), `${p.cadres ?? '—'} 人 · 推送 ${p.pushed ?? '—'} · 完成 ${p.completed ?? '—'}`),
    fig('lift-control', '随机对照组', percentText(c.rate), `${c.cadres ?? '—'} 人 · 推送 ${c.pushed ?? '—'} · 完成 ${c.completed ?? '—'}`),
    fig('lift-difference', '差值（个性化 − 对照）', pointsText(d.value), ciText(d.ci95, pointsText), '个百分点'),
    fig('lift-ratio', '比值（个性化 ÷ 对照）', ratio(r.value), ciText(r.ci95, ratio), '倍'),
  );
  const lo = Array.isArray(d.ci95) ? Number(d.ci95[0]) : NaN;
  const verdict = el('p', { class: 'lift-verdict' });
  if (Number.isFinite(lo) && lo > 0) {
    verdict.textContent = '个性化推送组的完成率高于对照组，差值的 95% 置信区间不含 0：提升显著。';
    verdict.classList.add('lift-verdict-yes');
  } else if (Number.isFinite(lo)) {
    verdict.textContent = '两组差值的 95% 置信区间包含 0：目前的数据还不足以说明提升。';
  } else {
    verdict.textContent = lift.reason || '所选范围内两组的推送数据不足，暂无法比较。';
  }
  document.getElementById('lift-figures').append(verdict);
}

function showLiftChart(lift) {
  const box = document.getElementById('lift-chart');
  // Months before the first push say nothing: the chart starts at the first.
  const all = lift.by_month || [];
  const first = all.findIndex((m) => m.arms && ((m.arms.personalised || {}).pushed || (m.arms.control || {}).pushed));
  const months = first < 0 ? [] : all.slice(first);
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
  const arms = (m) => m.arms || {};
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

// Before and after the personalised feed started: every cadre's completion rate by month.
function showTrend(lift) {
  const t = lift.trend || {};
  const line = document.getElementById('lift-trend');
  const box = document.getElementById('trend-chart');
  const all = t.months || [];
  const first = all.findIndex((m) => m.pushed > 0);
  const months = first < 0 ? [] : all.slice(first);
  const started = t.feed_started ? String(t.feed_started).slice(0, 10) : '';
  if (!started) {
    line.textContent = '暂无个性化推荐上线记录（尚无上线的推荐模型）；下图为全部干部按月完成率。';
  } else if (lift.from && started < lift.from) {
    line.textContent = `个性化推荐自 ${started} 起上线，早于所选期间：期间内均为上线后的数据。`;
  } else {
    line.textContent = `个性化推荐自 ${started} 起上线：上线前完成率 ${percentText(t.before && t.before.rate)}，` +
      `上线后 ${percentText(t.after && t.after.rate)}（浅色点为上线前的月份）。`;
  }
  if (!months.length) { emptyChart(box, '所选期间暂无推送数据'); return; }
  const startMonth = started.slice(0, 7);
  drawChart(box, {
    legend: { show: false },
    tooltip: { trigger: 'axis', valueFormatter: (v) => percentText(v) },
    xAxis: { type: 'category', data: months.map((m) => monthText(m.month, true)) },
    yAxis: percentAxis(),
    grid: { top: 16 },
    series: [{ name: '全部干部完成率', type: 'line', itemStyle: { color: COLORS.personalised },
      data: months.map((m) => ({ value: m.rate, itemStyle: { color: m.personalised_feed ? COLORS.personalised : COLORS.control } })),
      markLine: months.some((m) => m.month === startMonth) ? {
        silent: true, symbol: 'none', lineStyle: { color: COLORS.warn, type: 'dashed' },
        label: { formatter: '上线', color: COLORS.warn }, data: [{ xAxis: monthText(startMonth, true) }],
      } : undefined }],
  });
}

function showMonths(o, participationLine) {
  const box = document.getElementById('months-chart');
  // From the first month with anything in it: a year's empty start says nothing.
  const all = o.by_month || [];
  const first = all.findIndex((m) => m.pushed > 0 || m.active > 0);
  const months = first < 0 ? [] : all.slice(first);
  if (!months.length) { emptyChart(box, '所选期间暂无学习数据'); return; }
  drawChart(box, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => percentText(v) },
    xAxis: { type: 'category', data: months.map((m) => monthText(m.month, true)) },
    yAxis: percentAxis({ max: 1 }),
    series: [
      { name: '完成率', type: 'bar', data: months.map((m) => m.completion_rate ?? null),
        itemStyle: { color: COLORS.completion }, barMaxWidth: 28 },
      { name: '参学率', type: 'line', data: months.map((m) => m.participation_rate ?? null),
        itemStyle: { color: COLORS.participation }, lineStyle: { width: 3 },
        markLine: { silent: true, symbol: 'none', lineStyle: { color: COLORS.danger, type: 'dashed' },
          label: { formatter: `预警线 ${percentText(participationLine, 0)}`, position: 'insideEndTop', color: COLORS.danger },
          data: [{ yAxis: participationLine }] } },
    ],
  });
}

// The distribution of the period's hours over the people, in 5-hour bins.
function hourBins(people) {
  const bins = HOUR_BINS.map((from, i) => ({
    label: i === HOUR_BINS.length - 1 ? `${from}+` : `${from}–${HOUR_BINS[i + 1]}`, cadres: 0,
  }));
  for (const p of people) {
    const h = Number(p.hours) || 0;
    let i = HOUR_BINS.length - 1;
    while (i > 0 && h < HOUR_BINS[i]) i--;
    bins[i].cadres++;
  }
  return bins;
}

function showHours(o, people, total) {
  const box = document.getElementById('hours-chart');
  const bins = hourBins(people);
  const target = Number(o.target_hours) || TARGET_HOURS;
  document.getElementById('hours-note').textContent = `期间学时，年度目标 ${target} 学时` +
    (total > people.length ? `（前 ${people.length} 人，共 ${total} 人）` : '');
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

function rateCell(value, threshold) {
  const low = threshold !== undefined && Number.isFinite(Number(value)) && Number(value) < threshold;
  return el('td', { class: 'num' + (low ? ' cell-warn' : ''), text: percentText(value) });
}

// Sub-units first, then the unit's own cadres (not in any sub-unit), if any.
// A row is highlighted when a warning names the unit itself (not one of its
// people); figures under the warning thresholds are red.
function showUnits(o, filters, warnings, thresholds) {
  const warnedUnits = new Map();
  const warnedPeople = new Map();
  for (const w of warnings) {
    const into = w.user_id ? warnedPeople : warnedUnits;
    if (w.unit_id) into.set(w.unit_id, (into.get(w.unit_id) || 0) + 1);
  }
  const units = (o.by_unit || []).filter((u) => !u.own || u.cadres > 0)
    .sort((a, b) => Number(a.own) - Number(b.own));
  const rows = units.map((u) => {
    const count = u.own ? 0 : warnedUnits.get(u.unit_id) || 0;
    const people = warnedPeople.get(u.unit_id) || 0;
    const flagged = count > 0;
    const name = u.own ? el('span', { text: `${u.name}（本级直属）` })
      : el('a', { href: withFilters('/supervisor/', filters, { unit: u.unit_id }), text: u.name });
    return el('tr', { class: flagged ? 'row-warn' : '', dataset: { unitId: String(u.unit_id), own: String(Boolean(u.own)) } },
      el('th', { scope: 'row' }, name),
      el('td', { class: 'num', text: String(u.cadres ?? '—') }),
      rateCell(u.completion_rate),
      rateCell(u.participation_rate, thresholds.warn_participation ?? 0.6),
      rateCell(u.pass_rate, thresholds.warn_pass_rate ?? 0.8),
      el('td', { class: 'num', text: numberText(u.hours_per_cadre) }),
      el('td', { class: 'warn-cell' },
        flagged ? el('span', { class: 'badge badge-warn', text: `单位 ${count}` }) : null,
        people ? el('span', { class: 'badge badge-status-new', text: `个人 ${people}` }) : null,
        flagged || people ? null : '—'));
  });
  document.getElementById('units').replaceChildren(...rows);
  document.getElementById('units-none').hidden = units.some((u) => !u.own);
}

// Rows of a long list: the first 'shown', then a button that shows the rest.
function showSome(list, rows, shown, button) {
  list.replaceChildren(...rows.slice(0, shown));
  button.hidden = rows.length <= shown;
  button.textContent = `显示全部 ${rows.length} 条`;
  button.onclick = () => { list.replaceChildren(...rows); button.hidden = true; };
}

// The people, fewest hours first: who needs a nudge.
function showPeople(people, total, filters) {
  const period = { from: filters.from, to: filters.to };
  const sorted = people.slice().sort((a, b) => (Number(a.hours) || 0) - (Number(b.hours) || 0));
  const rows = sorted.map((p) => el('tr', { dataset: { userId: String(p.id) } },
    el('th', { scope: 'row' }, el('a', { href: withFilters('/supervisor/person.html', { id: p.id, ...period }), text: p.name || p.login })),
    el('td', { text: p.unit_name || '' }),
    el('td', { text: p.category_label || categoryLabel(p.category) }),
    el('td', { class: 'num', text: String(p.completed ?? '—') }),
    el('td', { class: 'num', text: numberText(p.hours) }),
    el('td', { class: 'num', text: percentText(p.pass_rate) })));
  showSome(document.getElementById('people'), rows, PEOPLE_SHOWN, document.getElementById('people-more'));
  document.getElementById('people-none').hidden = rows.length > 0;
  document.getElementById('people-count').textContent = `共 ${total} 人，按学时从少到多`;
}

// Unit warnings first (they concern many), then people's.
function showWarnings(warnings, counts) {
  const sorted = warnings.slice().sort((a, b) => Number(Boolean(a.user_id)) - Number(Boolean(b.user_id)));
  const rows = sorted.map((w) => el('li', { class: `warning warning-${w.kind}`, dataset: { kind: w.kind } },
    el('span', { class: 'badge badge-warn', text: w.kind_label || '预警' }),
    w.link ? el('a', { class: 'warning-link', href: w.link, text: w.message || w.unit_name || '查看' })
      : el('span', { text: w.message || '' })));
  showSome(document.getElementById('warnings'), rows, WARNINGS_SHOWN, document.getElementById('warnings-more'));
  document.getElementById('warnings-none').hidden = rows.length > 0;
  const byKind = Object.entries(counts || {}).filter(([, n]) => n > 0);
  document.getElementById('warnings-count').textContent = warnings.length ? `${warnings.length} 条` : '';
  document.getElementById('warnings-kinds').textContent = byKind.length
    ? byKind.map(([kind, n]) => `${(warnings.find((w) => w.kind === kind) || {}).kind_label || kind} ${n}`).join(' · ') : '';
}

function showExports(filters) {
  const sets = [['overview', '学习概况（按单位）'], ['warnings', '预警'], ['people', '干部名单']];
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
  let overview, lift, warningsReply, peopleReply;
  try {
    [overview, lift, warningsReply, peopleReply] = await Promise.all([
      api('/api/supervisor/overview', { query: filters }),
      api('/api/supervisor/lift', { query: filters }),
      api('/api/supervisor/warnings', { query: filters }),
      api('/api/supervisor/people', { query: { ...filters, per_page: PEOPLE_PER_PAGE } }),
    ]);
  } catch (err) {
    if (err.status === 403) say(notice, '无权查看该单位：只能查看本单位及下级单位的学习情况。', 'error');
    else if (err.status !== 401) say(notice, `学习数据加载失败：${err.message}`, 'error');
    return;
  }
  document.getElementById('dashboard').hidden = false;
  const warnings = warningsReply.warnings || [];
  const thresholds = warningsReply.thresholds || {};
  const people = peopleReply.people || [];
  const total = peopleReply.total ?? people.length;
  showFilters(filters, overview);
  showKpis(overview, filters, thresholds);
  showLiftFigures(lift);
  showLiftChart(lift);
  showTrend(lift);
  showMonths(overview, thresholds.warn_participation ?? 0.6);
  showHours(overview, people, total);
  showUnits(overview, filters, warnings, thresholds);
  showPeople(people, total, filters);
  showWarnings(warnings, warningsReply.counts);
  showExports(filters);
  document.body.dataset.loaded = 'true';
});

// charts.js — the supervisor's pages draw their charts through here.
//
// Apache ECharts comes from /vendor/echarts/echarts.min.js (a classic script
// the page loads before its module; installed from npm at set-up time). The
// canvas renderer keeps the CSP free of inline style; every chart follows its
// container's size, and marks the container data-drawn="true" once painted,
// so a test (or a person) can tell a drawn chart from an empty box.

export const COLORS = {
  personalised: '#1d6b57',
  control: '#8a9aa1',
  band: 'rgba(29, 107, 87, 0.18)',
  completion: '#1d6b57',
  participation: '#2c5f9e',
  pass: '#8a4b12',
  warn: '#d08a1e',
  danger: '#a8322d',
  grid: '#e6ecea',
  ink: '#1f2a30',
  muted: '#5b6b73',
};
export const SERIES_COLORS = ['#1d6b57', '#2c5f9e', '#d08a1e', '#8a4b12', '#5b3a8c', '#a8322d', '#3b8ea5'];

// 0.3617 → "36.2%" (null or a non-number → "—").
export function percentText(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  return `${(Number(value) * 100).toFixed(digits)}%`;
}

// A signed difference in percentage points: 0.081 → "+8.1" (the unit, 个百分点, beside it).
export function pointsText(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  const v = Number(value) * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
}

export function numberText(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  return String(Number(Number(value).toFixed(digits)));
}

// "2026-06" or 202606 → "2026年6月"; short → "6月".
export function monthText(month, short = false) {
  const m = /^(\d{4})-?(\d{2})/.exec(String(month || ''));
  if (!m) return String(month || '');
  return short ? `${Number(m[2])}月` : `${m[1]}年${Number(m[2])}月`;
}

export function chartsAvailable() {
  return typeof globalThis.echarts === 'object' && globalThis.echarts !== null;
}

// The axis and grid every chart shares: readable on a 390px phone.
export function baseOption() {
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif' },
    grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
    // One line of legend (scrolling on a phone), so it never runs into the plot.
    legend: { type: 'scroll', top: 0, left: 0, right: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: COLORS.ink, fontSize: 12 } },
    tooltip: { trigger: 'axis', confine: true },
  };
}

export function percentAxis(extra = {}) {
  return {
    type: 'value',
    axisLabel: { formatter: (v) => `${Math.round(v * 100)}%`, color: COLORS.muted },
    splitLine: { lineStyle: { color: COLORS.grid } },
    ...extra,
  };
}

// Draws 'option' in 'container' (an element with a height from style.css) and
// keeps it sized to it. Replaces a chart drawn there before. Returns the
// chart, or null when ECharts did not load (the container then says so).
export function drawChart(container, option) {
  if (!container) return null;
  if (!chartsAvailable()) {
    container.textContent = '图表组件未能加载，请刷新页面重试。';
    container.classList.add('chart-missing');
    return null;
  }
  const { echarts } = globalThis;
  let chart = echarts.getInstanceByDom(container);
  if (!chart) {
    chart = echarts.init(container, null, { renderer: 'canvas', locale: 'ZH' });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => { chart.resize(); }).observe(container);
    }
  }
  container.dataset.drawn = 'false';
  chart.off('finished');
  chart.on('finished', () => { container.dataset.drawn = 'true'; });
  // The shared legend, grid and tooltip, with what this chart changes in them.
  const base = baseOption();
  const merged = { ...base, ...option };
  for (const key of ['legend', 'grid', 'tooltip']) {
    if (option[key]) merged[key] = { ...base[key], ...option[key] };
  }
  chart.setOption(merged, true);
  return chart;
}

// Shows a short Chinese line in place of a chart that has nothing to draw.
export function emptyChart(container, text) {
  if (!container) return;
  if (chartsAvailable()) {
    const chart = globalThis.echarts.getInstanceByDom(container);
    if (chart) chart.dispose();
  }
  container.textContent = text;
  container.classList.add('chart-empty');
  container.dataset.drawn = 'empty';
}

// health.js — asks /api/health and shows the answer in Chinese on the front page.
'use strict';

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function showHealth(ok, summary, health) {
  const el = document.getElementById('health-summary');
  el.textContent = summary;
  el.className = 'status ' + (ok ? 'status-ok' : 'status-error');
  setText('health-db', health && health.db === 'ok' ? '正常' : '不可用');
  setText('health-schema', health && Number.isInteger(health.schema) ? String(health.schema) : '—');
  if (health && health.model) {
    const hours = Math.round(health.model.age_s / 360) / 10;
    setText('health-model', `版本 ${health.model.version}（${hours} 小时前训练）`);
  } else {
    setText('health-model', '尚未训练（暂按热门内容推荐）');
  }
}

async function checkHealth() {
  const el = document.getElementById('health-summary');
  el.textContent = '正在检查服务状态…';
  el.className = 'status status-pending';
  try {
    const response = await fetch('/api/health', { headers: { Accept: 'application/json' } });
    const health = await response.json();
    if (response.ok && health.status === 'ok') {
      showHealth(true, '服务运行正常', health);
    } else {
      showHealth(false, '服务异常：' + ((health.error && health.error.message) || health.status), health);
    }
  } catch (err) {
    showHealth(false, '无法连接服务，请稍后重试', null);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('health-refresh').addEventListener('click', checkHealth);
  checkHealth();
});

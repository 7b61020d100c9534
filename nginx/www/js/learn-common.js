// learn-common.js — what the cadre's pages (/learn/) share: the signed-in
// check, the header and tab bar, event and answer posts that survive one
// network failure, and the Chinese labels of the learner's view.
//
// Like ui.js, text goes in through textContent only; the one exception is the
// reader's article body (learn-item.js), which the server renders safely.

import { api, ApiError, logout, rememberSession } from './api.js';
import { el, say, tagChips, roleLabel } from './ui.js';

export const LEARN_KIND_LABELS = { case: '案例', lesson: '微课', review: '复习' };
export function learnKindLabel(kind) { return LEARN_KIND_LABELS[kind] || '学习'; }

// A random client id for an event or an answer: crypto.randomUUID where the
// page is a secure context, else the same UUID v4 built from getRandomValues
// (which plain-HTTP pages have too).
export function clientId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// A failure worth one more try: the network, or a gateway between us and the app.
function transient(err) {
  return err instanceof ApiError && (err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504);
}

// POSTs 'json' (which carries its own client_id) and, when the network fails,
// once more after a short wait with the very same body: the server counts a
// client_id once, so a reply lost on the way back does no harm.
export async function postOnce(path, json) {
  try {
    return await api(path, { method: 'POST', json });
  } catch (err) {
    if (!transient(err)) throw err;
    await sleep(1200);
    return api(path, { method: 'POST', json });
  }
}

// What the cadre did with an item: open, progress (value 0–1), complete, dismiss.
export function sendEvent(itemId, kind, value) {
  const json = { client_id: clientId(), item_id: itemId, kind };
  if (value !== undefined) json.value = value;
  return postOnce('/api/events', json);
}

// The learner's pages need a cadre: checks /api/me (a 401 opens the login
// page), keeps the CSRF token for this tab, greets the user and wires every
// [data-logout] button. Resolves to the user, or null for another role (after
// saying so in 'box', with a way to the right workspace).
export async function requireCadre(box) {
  for (const button of document.querySelectorAll('[data-logout]')) {
    button.addEventListener('click', () => { button.disabled = true; logout(); });
  }
  const me = await api('/api/me');
  if (me && me.csrf_token) rememberSession(me, me.csrf_token);
  const who = document.getElementById('whoami');
  if (who && me) who.textContent = me.name || me.login;
  if (!me || me.role !== 'cadre') {
    const role = me ? roleLabel(me.role) : '';
    box.replaceChildren(
      `当前登录的是${role}账号，学习推荐只面向干部（学习者）。`,
      me && (me.role === 'editor' || me.role === 'admin')
        ? el('a', { href: '/editor/', text: '进入内容编辑工作台' }) : '',
    );
    box.className = 'notice notice-warn';
    box.hidden = false;
    return null;
  }
  return me;
}

// Up to 'max' chips for an item's tags: disciplines and risks first; the
// target category (the cadre's own, mostly) says nothing and is left out.
export function itemChips(tags, max = 4) {
  const shown = (tags || []).filter((t) => !String(typeof t === 'string' ? t : t.code).startsWith('category.'));
  // The feed's tags carry code and label; their kind is the code's prefix.
  const index = { byCode: new Map(shown.map((t) => {
    const code = typeof t === 'string' ? t : t.code;
    return [code, { code, kind: String(code).split('.')[0], label: typeof t === 'string' ? t : t.label }];
  })) };
  const list = tagChips(shown, index);
  [...list.children].slice(max).forEach((li) => li.remove());
  list.classList.add('chips-learn');
  return list;
}

export function minutesText(minutes) {
  const m = Number(minutes) || 0;
  return `${m} 分钟`;
}

// 0.623 → "62%".
export function percent(value) {
  return `${Math.round(Math.max(0, Math.min(1, Number(value) || 0)) * 100)}%`;
}

// A bar (a <progress>, so no inline style is needed) for a 0–1 value.
export function bar(value, { label, className = '' } = {}) {
  const node = el('progress', { class: 'bar ' + className, max: '100', 'aria-label': label || null });
  node.value = Math.round(Math.max(0, Math.min(1, Number(value) || 0)) * 100);
  return node;
}

// "2026-11-24" → "11月24日（明天）" relative to today's date string.
export function dateText(date, today) {
  if (!date) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) return String(date);
  const text = `${Number(m[2])}月${Number(m[3])}日`;
  if (!today) return text;
  const days = Math.round((Date.UTC(+m[1], +m[2] - 1, +m[3]) - Date.parse(today + 'T00:00:00Z')) / 86400000);
  if (days === 0) return text + '（今天）';
  if (days === 1) return text + '（明天）';
  if (days === 2) return text + '（后天）';
  if (days < 0) return text + `（已过期 ${-days} 天）`;
  return text;
}

export function todayText() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export { el, say };

// learn-campaigns.js — the cadre's reminders of mandatory study campaigns
// (专题学习) on the learner pages: each campaign not yet done with its
// deadline, overdue (已逾期) or due within three days (即将截止) flagged,
// and the items still to study. Data from GET /api/me/campaigns.

import { api } from './api.js';
import { el } from './ui.js';

const box = document.getElementById('campaign-reminders');

function stateBadge(c) {
  if (c.state === 'overdue') return el('span', { class: 'badge badge-status-retired', text: '已逾期' });
  if (c.state === 'due_soon') return el('span', { class: 'badge badge-status-new', text: '即将截止' });
  return el('span', { class: 'badge badge-status-published', text: '进行中' });
}

function sentence(c) {
  if (c.state === 'overdue') return `截止日期 ${c.deadline} 已过，请尽快完成`;
  if (c.days_left <= 0) return `今天（${c.deadline}）截止`;
  return `请于 ${c.deadline} 前完成（还剩 ${c.days_left} 天）`;
}

async function show() {
  if (!box) return;
  let reply;
  try {
    reply = await api('/api/me/campaigns', { redirectOn401: false });
  } catch {
    return;  // reminders are extra: the page works without them
  }
  const open = (reply.campaigns || []).filter((c) => !c.done);
  if (!open.length) { box.hidden = true; return; }
  box.replaceChildren(el('h2', { class: 'reminder-title', text: '专题学习提醒' }),
    el('ul', { class: 'reminder-list' }, open.map((c) => el('li', { class: `reminder reminder-${c.state}`, dataset: { campaign: String(c.id) } },
      el('p', { class: 'reminder-head' }, stateBadge(c), ' ', el('strong', { text: c.title })),
      el('p', { class: 'reminder-deadline', text: `${sentence(c)} · 已完成 ${c.items_completed}/${c.items_total} 项` +
        (c.pass_mark !== null ? ` · 测验需达 ${Math.round(c.pass_mark * 100)}%` : '') }),
      el('ul', { class: 'reminder-items' }, c.items.filter((i) => !i.completed).map((i) => el('li', {},
        el('a', { href: `/learn/item.html?id=${i.id}`, text: i.title }))))))));
  box.hidden = false;
}

show();

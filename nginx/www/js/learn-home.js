// learn-home.js — the front page: a signed-in cadre goes straight to the
// feed (/learn/), editors and supervisors get links to their workspaces;
// everyone else sees the welcome, the 登录 link and the service status
// (health.js).
//
// Only a tab that signed in asks /api/me (a visitor's 401 would otherwise
// be logged in the console on every visit to the front page).

import { api, forgetSession, rememberedUser, rememberSession } from './api.js';
import { el, roleLabel } from './ui.js';

document.addEventListener('DOMContentLoaded', async () => {
  if (!rememberedUser()) return;
  let me;
  try {
    me = await api('/api/me', { redirectOn401: false });
  } catch (err) {
    if (err.status === 401) forgetSession();
    return;
  }
  if (me && me.csrf_token) rememberSession(me, me.csrf_token);
  if (me && me.role === 'cadre') {
    location.replace('/learn/');
    return;
  }
  if (!me) return;
  const box = document.getElementById('welcome-signed-in');
  const login = document.getElementById('welcome-login');
  const who = `${me.name || me.login}（${roleLabel(me.role)}）`;
  const links = [];
  if (me.role === 'supervisor' || me.role === 'admin') {
    links.push(el('a', { href: '/supervisor/', id: 'welcome-supervisor', text: '进入学习监督' }));
  }
  if (me.role === 'editor' || me.role === 'admin') {
    links.push(el('a', { href: '/editor/', text: '进入内容编辑工作台' }));
  }
  if (links.length) {
    box.replaceChildren(`您已登录为 ${who}。`, ...links);
  } else {
    box.textContent = `您已登录为 ${who}。`;
  }
  box.hidden = false;
  login.textContent = '切换账号';
});

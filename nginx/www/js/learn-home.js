// learn-home.js — the front page: a signed-in cadre goes straight to the
// feed (/learn/), editors get a link to their workspace; everyone else sees
// the welcome, the 登录 link and the service status (health.js).
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
  if (me.role === 'editor' || me.role === 'admin') {
    box.replaceChildren(`您已登录为 ${who}。`, el('a', { href: '/editor/', text: '进入内容编辑工作台' }));
  } else {
    box.textContent = `您已登录为 ${who}。`;
  }
  box.hidden = false;
  login.textContent = '切换账号';
});

// login.js — the login form: POST /api/login, keep the CSRF token for this
// tab, then open the page for the user's role.

import { api, rememberSession, forgetSession, ApiError } from './api.js';

const DEMO_PASSWORD = 'qingfeng-demo';

// Where to go after login: a same-site path from ?next= when the role may
// see it, else the home page of the role.
function destination(user) {
  const isEditor = user && (user.role === 'editor' || user.role === 'admin');
  const isSupervisor = user && (user.role === 'supervisor' || user.role === 'admin');
  const next = new URLSearchParams(location.search).get('next') || '';
  const local = next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') &&
    !next.startsWith('/login.html');
  if (local && (isEditor || !next.startsWith('/editor/')) &&
      (isSupervisor || !next.startsWith('/supervisor/'))) return next;
  if (user && user.role === 'supervisor') return '/supervisor/';
  if (isEditor) return '/editor/';
  return user && user.role === 'cadre' ? '/learn/' : '/';
}

function show(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

function errorText(err) {
  if (!(err instanceof ApiError)) return '登录失败，请稍后重试';
  if (err.status === 401) return '登录名或密码错误，请重新输入';
  if (err.status === 429) {
    // The app names the wait itself; nginx's own limit answers without JSON.
    if (err.body && err.body.error && err.body.error.message) return err.message;
    const wait = err.retryAfter;
    if (wait && wait >= 60) return `尝试次数过多，请 ${Math.ceil(wait / 60)} 分钟后再试`;
    if (wait) return `尝试次数过多，请 ${wait} 秒后再试`;
    return '尝试次数过多，请稍候一分钟后再试';
  }
  if (err.status === 400) return err.message || '请填写登录名和密码';
  return err.message;
}

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('login-form');
  const name = document.getElementById('login-name');
  const password = document.getElementById('login-password');
  const error = document.getElementById('login-error');
  const notice = document.getElementById('login-notice');
  const submit = document.getElementById('login-submit');

  const reason = new URLSearchParams(location.search).get('reason');
  if (reason === 'expired') show(notice, '登录已过期或尚未登录，请先登录。');

  for (const button of document.querySelectorAll('#demo-accounts [data-login]')) {
    button.addEventListener('click', () => {
      name.value = button.dataset.login;
      password.value = DEMO_PASSWORD;
      show(error, '');
      submit.focus();
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    show(error, '');
    if (!name.value.trim() || !password.value) {
      show(error, '请填写登录名和密码');
      (name.value.trim() ? password : name).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = '正在登录…';
    try {
      const reply = await api('/api/login', {
        method: 'POST', json: { login: name.value.trim(), password: password.value },
        redirectOn401: false, noCsrf: true,
      });
      rememberSession(reply.user, reply.csrf_token);
      location.assign(destination(reply.user));
    } catch (err) {
      forgetSession();
      show(error, errorText(err));
      password.select();
      submit.disabled = false;
      submit.textContent = '登录';
    }
  });
});

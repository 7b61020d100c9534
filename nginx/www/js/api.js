// api.js — every call the pages make to /api goes through here.
//
// It sends the session cookie, the CSRF token (kept in sessionStorage after
// login) on every state-changing call, turns error replies into ApiError with
// a Chinese message, and sends the browser to /login.html on 401.

const CSRF_KEY = 'qingfeng.csrf';
const USER_KEY = 'qingfeng.user';

// Chinese fallbacks for replies whose message is missing or not Chinese.
const MESSAGES_BY_STATUS = {
  400: '请求有误，请检查填写的内容',
  401: '登录已过期，请重新登录',
  403: '您没有权限执行此操作',
  404: '要找的内容不存在',
  405: '服务暂不支持此操作',
  409: '内容已被他人修改或存在冲突，请刷新后重试',
  413: '提交的内容过大',
  415: '提交的内容格式不对',
  422: '内容未通过校验',
  429: '操作过于频繁，请稍后再试',
};

export class ApiError extends Error {
  constructor(status, code, message, body, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // 0 when the network failed
    this.code = code;
    this.body = body;      // the parsed reply, or null
    this.retryAfter = retryAfter;  // seconds, from a Retry-After header, or null
  }
}

function hasChinese(text) {
  return typeof text === 'string' && /[\u3400-\u9fff]/.test(text);
}

function chineseMessage(status, error) {
  if (error && hasChinese(error.message)) return error.message;
  if (MESSAGES_BY_STATUS[status]) return MESSAGES_BY_STATUS[status];
  if (status >= 500) return '服务暂时不可用，请稍后重试';
  return `请求失败（${status}）`;
}

export function csrfToken() {
  try { return sessionStorage.getItem(CSRF_KEY) || ''; } catch { return ''; }
}

export function rememberSession(user, token) {
  try {
    sessionStorage.setItem(CSRF_KEY, token || '');
    sessionStorage.setItem(USER_KEY, JSON.stringify(user || null));
  } catch { /* private mode: the cookie still works for reads */ }
}

export function forgetSession() {
  try {
    sessionStorage.removeItem(CSRF_KEY);
    sessionStorage.removeItem(USER_KEY);
  } catch { /* nothing kept */ }
}

export function rememberedUser() {
  try { return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null'); } catch { return null; }
}

// Sends the browser to the login page, to come back here afterwards.
export function goToLogin(reason) {
  const back = location.pathname + location.search;
  const params = new URLSearchParams({ next: back });
  if (reason) params.set('reason', reason);
  location.assign('/login.html?' + params.toString());
}

// A page opened in a new tab has no token in its sessionStorage; /api/me may
// hand it one (an extension of the contract), so ask once before a write.
async function ensureCsrfToken() {
  if (csrfToken()) return csrfToken();
  try {
    const reply = await fetch('/api/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (reply.ok) {
      const me = await reply.json();
      if (me && me.csrf_token) rememberSession(me, me.csrf_token);
    }
  } catch { /* the write below reports the failure */ }
  return csrfToken();
}

// api(path, options) → the parsed JSON reply (null for 204; text when
// options.as === 'text'). Options: method, json (an object sent as JSON),
// body + contentType (sent as is), query (an object; empty values left out),
// redirectOn401 (default true), as ('json' | 'text').
export async function api(path, options = {}) {
  const method = (options.method || (options.json !== undefined || options.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  let url = path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const text = params.toString();
    if (text) url += (url.includes('?') ? '&' : '?') + text;
  }
  const headers = { Accept: 'application/json' };
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType || 'text/plain; charset=utf-8';
    body = options.body;
  }
  if (method !== 'GET' && method !== 'HEAD' && !options.noCsrf) {
    const token = await ensureCsrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }

  let reply;
  try {
    reply = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务，请检查网络后重试', null);
  }

  const type = reply.headers.get('Content-Type') || '';
  let parsed = null;
  let text = '';
  if (reply.status !== 204) {
    text = await reply.text();
    if (type.includes('json') && options.as !== 'text') {
      try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    }
  }

  if (!reply.ok) {
    const error = parsed && parsed.error ? parsed.error : null;
    const code = error && error.code ? error.code : 'http_' + reply.status;
    // A token gone stale (another sign-in in this browser replaced the
    // session): fetch the current one from /api/me and try once more.
    if (reply.status === 403 && code === 'csrf_failed' && !options.retriedCsrf) {
      try { sessionStorage.removeItem(CSRF_KEY); } catch { /* nothing kept */ }
      if (await ensureCsrfToken()) return api(path, { ...options, retriedCsrf: true });
    }
    if (reply.status === 401 && options.redirectOn401 !== false) {
      forgetSession();
      goToLogin('expired');
    }
    const retry = parseInt(reply.headers.get('Retry-After') || '', 10);
    throw new ApiError(reply.status, code, chineseMessage(reply.status, error), parsed,
      Number.isFinite(retry) ? retry : null);
  }
  if (options.as === 'text') return text;
  return parsed;
}

// Signs out (the reply does not matter) and opens the login page.
export async function logout() {
  try { await api('/api/logout', { method: 'POST', redirectOn401: false }); } catch { /* already out */ }
  forgetSession();
  location.assign('/login.html');
}

// The demo page's script: no inline script anywhere (CSP default-src 'self').
// The session cookie is HttpOnly: this script cannot read it. It reads only
// the CSRF cookie, and echoes it in X-CSRF-Token on state-changing calls.
'use strict';

const csrfCookie = document.querySelector('meta[name="csrf-cookie"]').content;
// The JWT pair lives in this page's memory only (never in storage).
let tokens = null;

function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === csrfCookie) return rest.join('=');
  }
  return '';
}

// A session login echoes the pre-session CSRF cookie that loading this
// page sets. A logout clears the CSRF cookie with the session, so a second
// login from the same page would have nothing to echo (403 csrf): get a
// fresh one first, the way the page itself got its first.
async function ensureCsrfCookie() {
  if (csrfToken()) return;
  await fetch('/', { credentials: 'same-origin', cache: 'no-store' });
}

async function call(method, path, body, bearer) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  if (bearer) headers['Authorization'] = 'Bearer ' + bearer;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  return { status: response.status, text };
}

function show(id, result) {
  document.getElementById(id).textContent = result.status + ' ' + result.text;
}

function status(text) {
  document.getElementById('status').textContent = text;
}

function credentials() {
  return {
    username: document.getElementById('username').value,
    password: document.getElementById('password').value,
  };
}

async function reload() {
  show('session-me', await call('GET', '/session/me'));
  show('sessions', await call('GET', '/session/sessions'));
  show('jwt-me', tokens ? await call('GET', '/jwt/me', undefined, tokens.access_token)
                        : { status: '-', text: 'no access token' });
  show('admin', await call('GET', '/admin', undefined, tokens ? tokens.access_token : null));
}

document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  await ensureCsrfCookie();
  const r = await call('POST', '/session/login', credentials());
  status('session login: ' + r.status);
  await reload();
});

document.getElementById('jwt-login').addEventListener('click', async () => {
  const r = await call('POST', '/jwt/login', credentials());
  if (r.status === 200) tokens = JSON.parse(r.text);
  status('jwt login: ' + r.status);
  await reload();
});

document.getElementById('jwt-refresh').addEventListener('click', async () => {
  if (!tokens) return status('jwt refresh: no refresh token');
  const r = await call('POST', '/jwt/refresh', { refresh_token: tokens.refresh_token });
  tokens = r.status === 200 ? JSON.parse(r.text) : null;
  status('jwt refresh: ' + r.status);
  await reload();
});

document.getElementById('session-logout').addEventListener('click', async () => {
  const r = await call('POST', '/session/logout');
  status('session logout: ' + r.status);
  await reload();
});

document.getElementById('jwt-logout').addEventListener('click', async () => {
  if (!tokens) return status('jwt logout: no access token');
  const r = await call('POST', '/jwt/logout', { refresh_token: tokens.refresh_token },
                       tokens.access_token);
  tokens = null;
  status('jwt logout: ' + r.status);
  await reload();
});

document.getElementById('refresh-view').addEventListener('click', reload);

reload();

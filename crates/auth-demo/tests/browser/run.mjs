// The demo page in a real browser: Debian's Chromium, headless, driven by
// playwright-core. Run by tests/browser.rs, which starts the demo and a
// second server for the attacker's page, and passes them in:
//
//   AUTH_DEMO_URL            the demo, e.g. http://localhost:PORT
//   AUTH_DEMO_OTHER_ORIGINS  origins (space-separated) serving
//                            attacker/attack.html, e.g.
//                            "http://localhost:P http://127.0.0.1:P"
//   CHROMIUM                 the browser (default /usr/bin/chromium)
//
// Every step prints what it checks; any failed expectation ends the run
// with "FAIL: ..." and exit status 1. Nothing waits longer than
// WAIT_MS, and the whole run is cut off after OVERALL_MS.

import { chromium } from 'playwright-core';

const WAIT_MS = 15_000;
const OVERALL_MS = 150_000;

const SESSION = '__Host-session';
const CSRF = '__Host-csrf';
const ALICE = { username: 'alice', password: 'correct horse battery staple' };
const BOB = { username: 'bob', password: 'hunter2 hunter2' };

const watchdog = setTimeout(() => {
  console.log(`FAIL: the browser test did not finish within ${OVERALL_MS / 1000} s`);
  process.exit(1);
}, OVERALL_MS);

class Failure extends Error {}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Failure(`environment variable ${name} is not set`);
  return value;
}

function step(what) {
  console.log(`\n== ${what}`);
}

function ok(what) {
  console.log(`   ok: ${what}`);
}

function info(what) {
  console.log(`   ${what}`);
}

function expect(condition, what) {
  if (!condition) throw new Failure(what);
}

// The site of an origin: scheme and host (the port is no part of it).
// Enough for hosts that are IP addresses or `localhost`, the only ones
// used here (a registrable domain would need the public suffix list).
function siteOf(origin) {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}`;
}

// `url` with its host replaced by `host` (same scheme and port).
function withHost(url, host) {
  const u = new URL(url);
  u.hostname = host;
  return u.origin;
}

// Polls `check` (async, returns a value or undefined) until it returns
// something, or fails after WAIT_MS with `what` and the last state seen.
async function until(what, check, lastSeen) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const seen = lastSeen ? ` (last seen: ${JSON.stringify(await lastSeen())})` : '';
      throw new Failure(`${what}: not within ${WAIT_MS / 1000} s${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const text = (page, selector) => page.locator(selector).textContent();

// Waits until `selector`'s text starts with `status` (the page shows
// "STATUS BODY") and returns the body.
async function shows(page, selector, status) {
  const prefix = `${status} `;
  const current = await until(
    `${selector} shows ${status}`,
    async () => {
      const t = await text(page, selector);
      return t.startsWith(prefix) ? t : undefined;
    },
    () => text(page, selector),
  );
  return current.slice(prefix.length);
}

// Waits until `selector` shows `status` and a JSON body for which
// `wanted` holds (by default any), and returns the body parsed. (The page
// updates its views one after another after #status: a view may still
// show the previous answer for a moment.)
async function json(page, selector, status, wanted = () => true, what = 'the expected answer') {
  const prefix = `${status} `;
  return until(
    `${selector} shows ${status} with ${what}`,
    async () => {
      const t = await text(page, selector);
      if (!t.startsWith(prefix)) return undefined;
      try {
        const value = JSON.parse(t.slice(prefix.length));
        return wanted(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    () => text(page, selector),
  );
}

// Clicks `selector` and waits for the page's #status to read `expected`.
async function click(page, selector, expected) {
  await page.click(selector);
  await until(`#status reads "${expected}" after ${selector}`, async () =>
    (await text(page, '#status')) === expected, () => text(page, '#status'));
}

// Fills the login form with `who`'s credentials.
async function fill(page, who) {
  await page.fill('#username', who.username);
  await page.fill('#password', who.password);
}

async function cookie(context, url, name) {
  return (await context.cookies(url)).find((c) => c.name === name);
}

// Watches a page for script errors and CSP violations.
function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
}

// Whether the browser keeps the demo's `Secure` `__Host-` cookies on
// `origin` (plain HTTP): the pre-session CSRF cookie of the page, and the
// session cookie of a login through the form (as bob, logged out again:
// alice's sessions stay the main run's own).
async function probeSecureCookies(browser, origin) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const csrf = await cookie(context, origin, CSRF);
    await fill(page, BOB);
    await page.click('#session-login');
    const status = await until('the login answers', async () => {
      const t = await text(page, '#status');
      return t.startsWith('session login:') ? t : undefined;
    }, () => text(page, '#status'));
    await shows(page, '#sessions', status.endsWith(': 200') ? '200' : '401').catch(() => {});
    const session = await cookie(context, origin, SESSION);
    const me = (await text(page, '#session-me')).split(' ')[0];
    info(`${origin}: ${CSRF} ${csrf ? 'kept' : 'NOT kept'}; ${status}; ` +
      `${SESSION} ${session ? 'kept' : 'NOT kept'}; /session/me ${me}`);
    if (me === '200') await click(page, '#session-logout', 'session logout: 204');
    return Boolean(csrf && session && me === '200');
  } finally {
    await context.close();
  }
}

// The requests a page sends to `url`, as the browser's network layer
// saw them (Chrome DevTools Protocol): type, raw request headers (with
// the cookies sent), status and body of the answer, or why it failed. A
// CORS fetch whose answer the page may not read is still seen here.
async function recordRequests(context, page, url) {
  const cdp = await context.newCDPSession(page);
  const seen = new Map();
  const entry = (id) => {
    if (!seen.has(id)) seen.set(id, { headers: {}, done: false });
    return seen.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url !== url) return;
    Object.assign(entry(e.requestId), { type: e.type, method: e.request.method, mine: true });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
    const lower = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v]));
    entry(e.requestId).headers = lower;
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    entry(e.requestId).status = e.statusCode;
  });
  cdp.on('Network.responseReceived', (e) => {
    entry(e.requestId).status ??= e.response.status;
  });
  cdp.on('Network.loadingFinished', async (e) => {
    const r = entry(e.requestId);
    if (!r.mine) return;
    try {
      r.body = (await cdp.send('Network.getResponseBody', { requestId: e.requestId })).body;
    } catch {
      // A document replaced by the next navigation has none left.
    }
    r.done = true;
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = entry(e.requestId);
    r.failure = e.corsErrorStatus ? `${e.errorText} (CORS: ${e.corsErrorStatus.corsError})` : e.errorText;
    r.done = true;
  });
  await cdp.send('Network.enable');
  return () => [...seen.values()].filter((r) => r.mine);
}

// The attacker's page on `other` (another origin) in a new tab of the
// user's browser: its two fetches and its form POST to /session/logout
// must all reach the demo and be refused.
async function attack(context, demo, other) {
  const sameSite = siteOf(other) === siteOf(demo);
  const kind = sameSite ? 'same-site' : 'cross-site';
  step(`CSRF attack from ${other} (cross-origin, ${kind}) on ${demo}/session/logout`);
  const target = `${demo}/session/logout`;
  const page = await context.newPage();
  try {
    const requests = await recordRequests(context, page, target);
    const navigation = page.waitForResponse(
      (r) => r.url() === target && r.request().resourceType() === 'document',
      { timeout: WAIT_MS },
    );
    await page.goto(`${other}/attack.html?target=${encodeURIComponent(demo)}`);
    await navigation;
    await page.waitForLoadState('load');
    const landed = (await page.locator('body').textContent()).trim();
    const all = await until('the attacker page\'s three POSTs are sent and answered', () => {
      const now = requests();
      return now.length >= 3 && now.every((r) => r.done && r.status) ? now : undefined;
    }, () => requests());
    expect(all.length === 3, `expected 3 POSTs to ${target}, saw ${all.length}`);
    for (const r of all) {
      const mode = r.headers['sec-fetch-mode'];
      const what = r.type === 'Document' ? `form ${r.method} (${mode})` : `fetch ${r.method} (${mode})`;
      const h = r.headers;
      const sentSession = (h.cookie ?? '').includes(`${SESSION}=`);
      // The form POST's answer is the page it landed on.
      const body = (r.type === 'Document' ? landed : r.body)?.trim();
      info(`${what}: Sec-Fetch-Site ${h['sec-fetch-site']}, Origin ${h.origin}, ` +
        `X-CSRF-Token ${h['x-csrf-token'] ?? 'none'}, session cookie ` +
        `${sentSession ? 'SENT' : 'not sent'} -> ${r.status} ${body ?? '(body not kept by DevTools)'}` +
        `${r.failure ? `; in the page: ${r.failure}` : ''}`);
      expect(r.method === 'POST', `${what}: not a POST`);
      expect(h['sec-fetch-site'] === kind,
        `${what}: Sec-Fetch-Site is ${h['sec-fetch-site']}, expected ${kind}`);
      let error;
      if (body !== undefined) {
        try {
          error = JSON.parse(body).error;
        } catch {
          throw new Failure(`${what}: the demo's answer is not its JSON refusal: ${body}`);
        }
      }
      expect(r.type !== 'Document' || error !== undefined, `${what}: no answer body`);
      if (sameSite) {
        // SameSite=Lax lets the browser attach the session cookie to a
        // same-site request: only the server's CSRF check stops it.
        expect(sentSession, `${what}: the browser did not send the session cookie ` +
          'on a same-site request, so this does not test the server\'s check');
        expect(r.status === 403 && (error ?? 'csrf') === 'csrf',
          `${what}: expected 403 csrf, got ${r.status} ${error}`);
        ok(`${what}: the session cookie went along; refused by the demo's CSRF check (403)`);
      } else {
        // The browser withholds a SameSite=Lax cookie from another site's
        // POST: the demo sees no session at all.
        expect(!sentSession, `${what}: the browser sent the SameSite=Lax session cookie cross-site`);
        expect(r.status === 401 && (error ?? 'unauthenticated') === 'unauthenticated',
          `${what}: expected 401 unauthenticated (no cookie sent), got ${r.status} ${error}`);
        ok(`${what}: the browser withheld the SameSite=Lax cookie; the demo saw no session (401)`);
      }
    }
  } finally {
    await page.close();
  }
}

async function main() {
  const demo = new URL(required('AUTH_DEMO_URL')).origin;
  const others = required('AUTH_DEMO_OTHER_ORIGINS').split(/[\s,]+/).filter(Boolean)
    .map((o) => new URL(o).origin);
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

  step(`launch ${executablePath} (headless)`);
  const browser = await chromium.launch({ executablePath, headless: true, timeout: 60_000 });
  try {
    info(`Chromium ${browser.version()}`);

    step('Secure __Host- cookies over plain HTTP on loopback hosts');
    const accepted = {};
    for (const host of ['127.0.0.1', 'localhost']) {
      const origin = withHost(demo, host);
      accepted[origin] = await probeSecureCookies(browser, origin);
    }
    expect(accepted[demo], `Chromium does not keep the demo's Secure cookies on ${demo}`);
    ok(`kept on: ${Object.keys(accepted).filter((o) => accepted[o]).join(', ')}; ` +
      `refused on: ${Object.keys(accepted).filter((o) => !accepted[o]).join(', ') || 'none'}`);

    step('without script, the login form does not put the password in a URL');
    {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${demo}/`);
      await fill(page, ALICE);
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.isNavigationRequest(), { timeout: WAIT_MS }),
        page.click('#session-login'),
      ]);
      const url = request.url();
      const response = await request.response().catch(() => null);
      info(`submitted before app.js ran: ${request.method()} ${url} -> ${response?.status()}`);
      expect(!url.includes('password') && !url.includes('horse'),
        `the form sent the credentials in the URL: ${url}`);
      expect(request.method() === 'POST', `the form was sent with ${request.method()}`);
      ok('no credentials in the URL');
      await context.close();
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    watch(page, problems);

    step(`open ${demo}/`);
    await page.goto(`${demo}/`);
    await shows(page, '#session-me', '401');
    ok('#session-me shows 401 (no session yet)');
    const preCsrf = await cookie(context, demo, CSRF);
    expect(preCsrf, `no pre-session ${CSRF} cookie after opening the page`);
    ok(`a pre-session ${CSRF} cookie is set`);

    step('log in as alice through the form (#session-login)');
    await fill(page, ALICE);
    await click(page, '#session-login', 'session login: 200');
    let me = await json(page, '#session-me', '200');
    expect(me.user?.name === 'alice', `#session-me is not alice: ${JSON.stringify(me)}`);
    ok(`#session-me: 200, user ${me.user.name}`);
    const admin = await json(page, '#admin', '200');
    expect(admin.admin === true, `#admin: ${JSON.stringify(admin)}`);
    ok('#admin: 200 (alice has the admin role, through the session cookie)');

    step('reload the page: the session is still there');
    await page.reload();
    me = await json(page, '#session-me', '200');
    expect(me.user?.name === 'alice', `after reload, #session-me is not alice: ${JSON.stringify(me)}`);
    ok('#session-me: 200, alice');
    const sessions = await json(page, '#sessions', '200');
    expect(Array.isArray(sessions) && sessions.length === 1 && sessions[0].current === true,
      `#sessions is not one current session: ${JSON.stringify(sessions)}`);
    const handle = sessions[0].handle;
    ok(`#sessions: one session, "current": true (user agent: ${sessions[0].user_agent})`);

    step('page script cannot read the session cookie');
    const visible = await page.evaluate(() => document.cookie);
    expect(visible.includes(`${CSRF}=`), `document.cookie lacks ${CSRF}: ${visible}`);
    expect(!visible.includes(SESSION), `document.cookie shows ${SESSION}: ${visible}`);
    ok(`document.cookie has ${CSRF} and not ${SESSION}`);
    const session = await cookie(context, demo, SESSION);
    expect(session, `the browser holds no ${SESSION} cookie`);
    const shape = (c) => `httpOnly=${c.httpOnly} secure=${c.secure} sameSite=${c.sameSite} ` +
      `path=${c.path} domain=${c.domain}`;
    info(`${SESSION}: ${shape(session)}`);
    expect(session.httpOnly && session.secure && session.sameSite === 'Lax' && session.path === '/',
      `${SESSION} is not HttpOnly, Secure, SameSite=Lax, Path=/`);
    const csrf = await cookie(context, demo, CSRF);
    info(`${CSRF}: ${shape(csrf)}`);
    expect(!csrf.httpOnly && csrf.secure && csrf.path === '/', `${CSRF} is not readable, Secure, Path=/`);
    expect(csrf.value !== preCsrf.value, 'the login did not replace the pre-session CSRF token');
    expect(visible.includes(`${CSRF}=${csrf.value}`), 'document.cookie shows another CSRF token');
    ok(`${SESSION} is HttpOnly, Secure, SameSite=Lax, Path=/; ${CSRF} is readable and was renewed at login`);

    for (const other of others) {
      await attack(context, demo, other);
      await page.bringToFront();
      await page.reload();
      me = await json(page, '#session-me', '200');
      expect(me.user?.name === 'alice', `after the attack, #session-me: ${JSON.stringify(me)}`);
      const after = await json(page, '#sessions', '200');
      expect(after.length === 1 && after[0].handle === handle && after[0].current,
        `after the attack, #sessions: ${JSON.stringify(after)}`);
      ok('back on the demo page: still logged in (#session-me 200), the same session');
    }

    step('JWT: log in (#jwt-login), /jwt/me, refresh, log out');
    await fill(page, ALICE);
    await click(page, '#jwt-login', 'jwt login: 200');
    const jwtMe = await json(page, '#jwt-me', '200');
    expect(jwtMe.user?.name === 'alice' && jwtMe.claims?.iss === 'auth-demo',
      `#jwt-me: ${JSON.stringify(jwtMe)}`);
    ok(`#jwt-me: 200, alice, claims iss=${jwtMe.claims.iss}`);
    await click(page, '#jwt-refresh', 'jwt refresh: 200');
    await json(page, '#jwt-me', '200', (v) => v.user?.name === 'alice' && v.claims?.jti !== jwtMe.claims.jti,
      'a new access token (another jti)');
    ok('#jwt-refresh: 200, a new access token (another jti) that /jwt/me accepts');
    await click(page, '#jwt-logout', 'jwt logout: 204');
    await shows(page, '#jwt-me', '-');
    ok('#jwt-logout: 204, the page dropped its tokens');

    step('log out through the page (#session-logout)');
    await click(page, '#session-logout', 'session logout: 204');
    await shows(page, '#session-me', '401');
    ok('#session-me shows 401');
    expect(!(await cookie(context, demo, SESSION)), `${SESSION} is still in the browser`);
    ok(`${SESSION} is gone from the browser's cookies`);

    step('log in again on the same page, without reloading it');
    await fill(page, ALICE);
    await click(page, '#session-login', 'session login: 200');
    me = await json(page, '#session-me', '200');
    expect(me.user?.name === 'alice', `#session-me: ${JSON.stringify(me)}`);
    ok('#session-me: 200, alice');
    await click(page, '#session-logout', 'session logout: 204');
    await shows(page, '#session-me', '401');
    ok('logged out again');

    step('the page raised no script error and no CSP violation');
    expect(problems.length === 0, `problems on the page:\n  ${problems.join('\n  ')}`);
    ok('none');
    await context.close();
  } finally {
    await browser.close();
  }
}

try {
  await main();
  console.log('\nPASS: every browser check held');
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.log(`\nFAIL: ${e instanceof Failure ? e.message : e.stack ?? e}`);
  process.exit(1);
}

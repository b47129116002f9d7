// The attacker's script (served by tests/browser.rs from another origin):
// POSTs to the demo's /session/logout, target given as ?target=URL.
'use strict';

const target = new URLSearchParams(location.search).get('target');
const log = (line) => { document.getElementById('log').textContent += line + '\n'; };

async function attack() {
  // A CORS fetch (the answer is unreadable here, but the request goes out:
  // a POST without custom headers needs no preflight) and a no-cors one.
  for (const mode of ['cors', 'no-cors']) {
    try {
      const r = await fetch(target + '/session/logout', { method: 'POST', credentials: 'include', mode });
      await r.blob();
      log('fetch ' + mode + ': ' + r.type + ' ' + r.status);
    } catch (e) {
      log('fetch ' + mode + ': ' + e);
    }
  }
  // Then a top-level form POST, as a classic CSRF page does.
  const form = document.getElementById('attack');
  form.action = target + '/session/logout';
  form.submit();
}

attack();

// The ui's doors, knocked on with Node's own HTTP client (so the Host header
// and cookies are exactly what the test says): no token → 401, a wrong Host
// (DNS rebinding) → 421, a POST without or with a wrong CSRF token → 403, and
// none of them changes a cell. The token handshake, the security headers and
// a page that runs under its CSP. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { School, Ui, enroll, openBrowser, screenshot, tmpDir } from './fixture.mjs';

let school, ui;

before(async () => {
  school = new School();
  await school.start();
  const dataDir = tmpDir('client');
  enroll(school, dataDir, 'gv.toan.1');
  ui = await new Ui(dataDir).start();
});

after(async () => {
  await ui?.kill();
  await school?.stop();
});

function request({ method = 'GET', path = '/', host, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: ui.port, method, path,
      headers: { Host: host ?? `127.0.0.1:${ui.port}`, ...headers },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: data, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

const auth = () => ({ 'X-Sodiem-Token': ui.token });
const edit = { class: '6A', subject: 'Toán', edits: [{ student: 'HS6A01', column: 'HK1.TX1', value: '9' }] };
const cellNow = async () => {
  const r = await request({ path: `/api/grid?class=6A&subject=${encodeURIComponent('Toán')}`, headers: auth() });
  assert.equal(r.status, 200);
  return r.json.students.find((s) => s.code === 'HS6A01').cells['HK1.TX1'] ?? null;
};

test('the token handshake sets an HttpOnly SameSite=Strict cookie and drops the token from the address', async () => {
  const r = await request({ path: `/?token=${ui.token}&class=6A&subject=${encodeURIComponent('Toán')}` });
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, `/?class=6A&subject=${encodeURIComponent('Toán')}`);
  const cookie = String(r.headers['set-cookie']);
  assert.match(cookie, new RegExp(`^sodiem_ui_${ui.port}=${ui.token};`));
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  const page = await request({ path: '/', headers: { Cookie: `sodiem_ui_${ui.port}=${ui.token}` } });
  assert.equal(page.status, 200);
  assert.match(page.headers['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(page.headers['content-security-policy'], /unsafe-inline/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['access-control-allow-origin'], undefined);
  assert.doesNotMatch(page.body, /<script>|\son[a-z]+=|style=/i, 'no inline script, handler or style in the page');
});

test('without the token: 401, and nothing is served', async () => {
  for (const path of ['/', '/app.js', '/api/session', '/api/status', `/api/grid?class=6A&subject=${encodeURIComponent('Toán')}`]) {
    const r = await request({ path });
    assert.equal(r.status, 401, path);
    assert.ok(!r.body.includes('csrf'), `no secret in a refusal (${path})`);
  }
  const wrong = await request({ path: '/api/session', headers: { 'X-Sodiem-Token': '0'.repeat(64) } });
  assert.equal(wrong.status, 401);
  const post = await request({ method: 'POST', path: '/api/cells', headers: { 'Content-Type': 'application/json' }, body: edit });
  assert.equal(post.status, 401);
  assert.equal(await cellNow(), null, 'the cell is unchanged');
});

test('a wrong Host header (DNS rebinding) is refused with 421', async () => {
  for (const host of [`localhost:${ui.port}`, `evil.example:${ui.port}`, '127.0.0.1', `127.0.0.1:${ui.port + 1}`]) {
    const r = await request({ path: '/api/session', host, headers: auth() });
    assert.equal(r.status, 421, host);
  }
  const session = (await request({ path: '/api/session', headers: auth() })).json;
  const post = await request({
    method: 'POST', path: '/api/cells', host: `evil.example:${ui.port}`,
    headers: { ...auth(), 'X-CSRF-Token': session.csrf, 'Content-Type': 'application/json' }, body: edit,
  });
  assert.equal(post.status, 421);
  assert.equal(await cellNow(), null, 'the cell is unchanged');
});

test('a POST without the CSRF token, or with a wrong one, is refused with 403 and changes nothing', async () => {
  const session = (await request({ path: '/api/session', headers: auth() })).json;
  assert.match(session.csrf, /^[0-9a-f]{32,}$/);
  const json = { 'Content-Type': 'application/json' };
  const none = await request({ method: 'POST', path: '/api/cells', headers: { ...auth(), ...json }, body: edit });
  assert.equal(none.status, 403);
  const wrong = await request({ method: 'POST', path: '/api/cells', headers: { ...auth(), ...json, 'X-CSRF-Token': 'f'.repeat(64) }, body: edit });
  assert.equal(wrong.status, 403);
  const resolve = await request({ method: 'POST', path: '/api/resolve', headers: { ...auth(), ...json },
    body: { class: '6A', subject: 'Toán', student: 'HS6A01', column: 'HK1.TX1', value: '9', note: '' } });
  assert.equal(resolve.status, 403);
  const form = await request({ method: 'POST', path: '/api/cells',
    headers: { ...auth(), 'X-CSRF-Token': session.csrf, 'Content-Type': 'text/plain' }, body: edit });
  assert.ok(form.status >= 400, `a non-JSON content type is refused (${form.status})`);
  assert.equal(await cellNow(), null, 'the cell is unchanged');
  const status = (await request({ path: '/api/status', headers: auth() })).json;
  assert.equal(status.pending, 0, 'nothing was queued');

  // The same request with the token and the CSRF token is accepted (the refusals above were not for another reason).
  const good = await request({ method: 'POST', path: '/api/cells', headers: { ...auth(), ...json, 'X-CSRF-Token': session.csrf }, body: edit });
  assert.equal(good.status, 200, good.body);
  assert.equal(good.json.results[0].ok, true);
  assert.equal((await cellNow()).value, '9');
});

test('the page runs under its CSP without a violation', { timeout: 120_000 }, async () => {
  const browser = await openBrowser();
  try {
    await browser.page.goto(ui.link({ view: 'password' }));
    await browser.page.waitForSelector('main[data-ready="password"]');
    await screenshot(browser.page, 'password');
    await browser.page.goto(`${ui.origin}/?class=6A&subject=${encodeURIComponent('Toán')}`);
    await browser.page.waitForSelector('main[data-ready="grid"]');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

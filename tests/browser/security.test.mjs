// The ui's doors, knocked on with Node's own HTTP client (so the Host header
// and cookies are exactly what the test says): no token → 401, a wrong Host
// (DNS rebinding) → 421, a POST without or with a wrong CSRF token → 403, and
// none of them changes a cell. The same for the page's save channel
// (WebSocket /api/ws): no token, a wrong Host, another Origin, a first
// message that is not the CSRF token, a page from another port of this
// machine. The token handshake, the security headers and a page that runs
// (and saves on its channel) under its CSP. Run by run.sh (CTest label `browser`).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { enroll, openBrowser, screenshot, tmpDir, withSchool } from './fixture.mjs';

let ui;
const env = withSchool({
  async prepare({ school, startUi }) {
    const dataDir = tmpDir('client');
    enroll(school, dataDir, 'gv.toan.1');
    ui = await startUi(dataDir);
  },
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
    // A mark typed once the channel is open travels on it (connect-src 'self' allows it).
    const { page } = browser;
    await page.waitForFunction(() => window.sodiemPerf.channel !== undefined);
    await page.click('td[data-student="HS6A02"][data-column="HK1.TX3"]');
    const typeAndSave = async (v) => {
      await page.keyboard.type(v);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('td[data-student="HS6A02"][data-column="HK1.TX3"]').dataset.state === 'local');
    };
    await typeAndSave('6,5');
    for (let i = 0; i < 50 && !(await page.evaluate(() => window.sodiemPerf.channel.length)); i++) {
      await page.keyboard.press('ArrowUp');
      await typeAndSave(i % 2 ? '6,5' : '7');
    }
    assert.ok(await page.evaluate(() => window.sodiemPerf.channel.length) > 0, 'a save went on the channel');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

// A WebSocket handshake for /api/ws with exactly these header values; the
// ui's status code (101: accepted).
function handshake({ host, origin, cookie = true } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(ui.port, '127.0.0.1');
    const lines = ['GET /api/ws HTTP/1.1', `Host: ${host ?? `127.0.0.1:${ui.port}`}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13'];
    if (origin !== null) lines.push(`Origin: ${origin ?? ui.origin}`);
    if (cookie) lines.push(`Cookie: sodiem_ui_${ui.port}=${ui.token}`);
    sock.write(lines.join('\r\n') + '\r\n\r\n');
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) { sock.destroy(); resolve(Number(m[1])); }
    });
    sock.on('error', reject);
  });
}

const cellAt = async (student, column) => {
  const r = await request({ path: `/api/grid?class=6A&subject=${encodeURIComponent('Toán')}`, headers: auth() });
  return r.json.students.find((s) => s.code === student).cells[column] ?? null;
};

test('the save channel: no token, a wrong Host, another Origin or none are refused at the handshake', async () => {
  const pending = (await request({ path: '/api/status', headers: auth() })).json.pending;
  assert.equal(await handshake({ cookie: false }), 401);
  assert.equal(await handshake({ host: `evil.example:${ui.port}` }), 421);
  assert.equal(await handshake({ origin: 'http://evil.example' }), 403);
  assert.equal(await handshake({ origin: `http://127.0.0.1:${ui.port + 1}` }), 403);
  assert.equal(await handshake({ origin: null }), 403);
  assert.equal(await handshake(), 101, 'the same handshake from the page itself is accepted');
  assert.equal((await request({ path: '/api/status', headers: auth() })).json.pending, pending, 'nothing was queued');
});

test('the save channel closes when its first message is not the CSRF token, and records nothing', { timeout: 120_000 }, async () => {
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(ui.link({ view: 'password' }));
    await page.waitForSelector('main[data-ready="password"]');
    const save = { class: '6A', subject: 'Toán', edits: [{ student: 'HS6A01', column: 'HK1.TX2', value: '3' }] };
    const outcome = await page.evaluate(async (body) => {
      const attempt = (first) => new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/api/ws`);
        const got = [];
        ws.onopen = () => {
          ws.send(JSON.stringify(first));
          ws.send(JSON.stringify({ id: 1, path: '/api/cells', body: JSON.stringify(body) }));
        };
        ws.onmessage = (e) => got.push(JSON.parse(e.data));
        ws.onclose = (e) => resolve({ code: e.code, got });
      });
      return {
        wrong: await attempt({ csrf: 'f'.repeat(64) }),
        none: await attempt({ id: 1, path: '/api/cells', body: JSON.stringify(body) }),
      };
    }, save);
    assert.equal(outcome.wrong.got[0]?.hello, false, JSON.stringify(outcome.wrong));
    assert.equal(outcome.wrong.got[0]?.status, 403);
    assert.equal(outcome.wrong.got.length, 1, 'the save after a wrong token is not answered');
    assert.equal(outcome.wrong.code, 1008);
    assert.equal(outcome.none.got.length, 0);
    assert.equal(outcome.none.code, 1008);
    assert.equal(await cellAt('HS6A01', 'HK1.TX2'), null, 'the cell is unchanged');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('a page from another port of this machine cannot open the save channel', { timeout: 120_000 }, async () => {
  // Same site as the ui (127.0.0.1): the browser would send the ui's cookie along; the Origin check refuses it.
  const other = http.createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!doctype html><title>x</title>'); });
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(ui.link({ view: 'password' }));  // the browser holds the ui's cookie
    await page.waitForSelector('main[data-ready="password"]');
    await page.goto(`http://127.0.0.1:${other.address().port}/`);
    const result = await page.evaluate((port) => new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`);
      let opened = false;
      ws.onopen = () => { opened = true; ws.send(JSON.stringify({ csrf: 'x' })); };
      ws.onclose = (e) => resolve({ opened, code: e.code });
    }), ui.port);
    assert.equal(result.opened, false, 'the handshake is refused');
    assert.equal(result.code, 1006);
    assert.equal(await cellAt('HS6A01', 'HK1.TX2'), null, 'the cell is unchanged');
  } finally {
    await browser.close();
    other.close();
  }
});

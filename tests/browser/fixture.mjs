// Test fixture of the browser end-to-end tests: a real demo school
// (`sodiem-server init --demo` + `run`), real clients (`sodiem enroll`,
// `sodiem ui`), Debian's headless Chromium driven by playwright-core, and a
// few checks on the page (no CSP violation, no script error), and
// withSchool(), the one before/after pair of every test file. Imported by
// tests/browser/*.test.mjs and bench-ui.mjs; never by the product.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '..', '..');

export const BIN = {
  client: process.env.SODIEM_CLIENT_BIN || path.join(repo, 'build/client/sodiem'),
  server: process.env.SODIEM_SERVER_BIN || path.join(repo, 'build/server/sodiem-server'),
};
export const SHOTS = process.env.SODIEM_SCREENSHOTS || path.join(repo, 'build/browser-screenshots');
export const CHROMIUM = process.env.SODIEM_CHROMIUM || '/usr/bin/chromium';

const children = new Set();
const dirs = [];
function killAll() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
}
process.on('exit', (code) => {
  killAll();
  // Kept when something failed (the data directories tell what happened).
  if (code === 0 && !process.env.SODIEM_KEEP) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tmpDir(tag) {
  const d = fs.mkdtempSync(path.join(process.env.SODIEM_BROWSER_TMP || os.tmpdir(), `sodiem-${tag}-`));
  dirs.push(d);
  return d;
}

function run(bin, args, input) {
  const r = spawnSync(bin, args, { input: input ?? '', encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    throw new Error(`${path.basename(bin)} ${args.join(' ')} → exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}
export const client = (args, input) => run(BIN.client, args, input);
export const server = (args, input) => run(BIN.server, args, input);

// Starts a long-running program and resolves once a line of its output
// matches `pattern` (the match is returned).
function startAndWait(bin, args, pattern, what, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${what}: no "${pattern}" within ${timeoutMs} ms\n${out}`)); }, timeoutMs);
    const onData = (d) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, match: m, output: () => out }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? sig}) before being ready\n${out}`));
    });
  });
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

// The demo school, or (opts.level) a new school as an administrator sets
// one up: a plain `init`, `setup --level` from a shipped curriculum
// (server/curriculum/*.json), `import students` and `import staff` of the
// CSV texts given. One data directory, a server that can be stopped and
// started again on the same port.
export class School {
  constructor(opts = {}) {
    this.dir = tmpDir('server');
    this.port = 0;
    this.proc = null;
    if (opts.level) {
      this.setUp(opts);
      return;
    }
    server(['init', '--data', this.dir, '--demo', ...(opts.name ? ['--school-name', opts.name] : [])]);
    const demo = JSON.parse(fs.readFileSync(path.join(this.dir, 'demo-accounts.json'), 'utf8'));
    this.fingerprint = demo.server_fingerprint;
    this.accounts = demo.accounts;
  }

  setUp({ level, name = 'Trường Thử', students: pupils, staff }) {
    const out = server(['init', '--data', this.dir, '--school-name', name]);
    this.fingerprint = /SHA-256\): *([0-9A-Fa-f:]+)/.exec(out)[1];
    server(['setup', '--data', this.dir, '--level', level, '--maintenance']);
    const file = (n, text) => { const f = path.join(this.dir, n); fs.writeFileSync(f, text); return f; };
    server(['import', 'students', '--data', this.dir, file('hoc-sinh.csv', pupils), '--maintenance']);
    server(['import', 'staff', '--data', this.dir, file('giao-vien.csv', staff), '--maintenance']);
    // New accounts change the password they were given at their first login.
    this.accounts = fs.readFileSync(path.join(this.dir, 'new-passwords.csv'), 'utf8').trim().split('\n').map((line) => {
      const [username, password] = line.split(',');
      return { username, password, new_password: `${password}-mới` };
    });
  }

  // A subject's name per grade of a shipped curriculum (its `periods`).
  static subjectsOf(level, grade) {
    const c = JSON.parse(fs.readFileSync(path.join(repo, 'server/curriculum', `${level}.json`), 'utf8'));
    return c.subjects.filter((s) => String(grade) in s.periods).map((s) => s.name);
  }

  account(username) {
    const a = this.accounts.find((x) => x.username === username);
    if (!a) throw new Error(`no demo account ${username}`);
    return a;
  }
  password(username) { return this.account(username).password; }

  async start() {
    const { child, match } = await startAndWait(BIN.server, ['run', '--data', this.dir, '--listen', `127.0.0.1:${this.port}`],
      /listening on ([0-9.]+):(\d+)/, 'sodiem-server run');
    this.proc = child;
    this.port = Number(match[2]);
    this.url = `wss://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    if (this.proc) await stopChild(this.proc);
    this.proc = null;
  }

  // The school's offline grace window (hours): a value typed before a lock
  // began is still accepted if it arrives within it (72 h by default).
  grace(hours) {
    server(['grace', '--data', this.dir, '--hours', String(hours), '--by', 'hieutruong', '--password-stdin'],
      `${this.password('hieutruong')}\n`);
  }

  // fromMinutesAgo: the lock counts from that long ago (Vietnam time, to the
  // minute), so that a mark typed just now is after its start.
  // The class is taught in `n` sessions a day (attendance per session when 2).
  sessions(cls, n) {
    server(['calendar', '--data', this.dir, '--class', cls, '--sessions', String(n), '--by', 'hieutruong', '--password-stdin'],
      `${this.password('hieutruong')}\n`);
  }

  lock(term, cls, reason, fromMinutesAgo = 0) {
    const from = [];
    if (fromMinutesAgo) {
      const vn = new Date(Date.now() - fromMinutesAgo * 60_000 + 7 * 3600_000).toISOString();  // UTC+7, no DST
      from.push('--from', `${vn.slice(0, 10)}T${vn.slice(11, 16)}`);
    }
    server(['lock', 'set', '--data', this.dir, '--term', term, '--class', cls, '--kind', 'frozen', '--reason', reason,
      ...from, '--by', 'hieutruong', '--password-stdin'], `${this.password('hieutruong')}\n`);
  }
}

export function enroll(school, dataDir, user, deviceName = 'may-thu') {
  const a = school.account(user);
  if (a.new_password) {  // a first login with a given password: changed at once
    client(['enroll', '--data', dataDir, '--server', school.url, '--user', user, '--password-stdin', '--new-password-stdin',
      '--fingerprint', school.fingerprint, '--device-name', deviceName], `${a.password}\n${a.new_password}\n`);
    a.password = a.new_password;
    delete a.new_password;
    return;
  }
  client(['enroll', '--data', dataDir, '--server', school.url, '--user', user, '--password-stdin',
    '--fingerprint', school.fingerprint, '--device-name', deviceName], `${school.password(user)}\n`);
}

// One `sodiem ui` process.
export class Ui {
  constructor(dataDir) { this.dir = dataDir; this.proc = null; }

  async start(port = 0) {
    const { child, match } = await startAndWait(BIN.client,
      ['ui', '--data', this.dir, '--no-browser', '--listen', `127.0.0.1:${port}`],
      /(http:\/\/127\.0\.0\.1:(\d+))\/\?token=([0-9a-f]+)/, 'sodiem ui');
    this.proc = child;
    this.origin = match[1];
    this.port = Number(match[2]);
    this.token = match[3];
    this.url = `${this.origin}/?token=${this.token}`;
    return this;
  }

  // The launch URL with a deep link: the server drops the token on its 303.
  link(params = {}) {
    const q = new URLSearchParams({ token: this.token, ...params });
    return `${this.origin}/?${q}`;
  }

  async stop() { if (this.proc) await stopChild(this.proc, 'SIGTERM'); this.proc = null; }
  async kill() { if (this.proc) await stopChild(this.proc, 'SIGKILL'); this.proc = null; }
}

// A JSON request to a `sodiem ui` with its token (Node's own client: the Host is exact).
export function uiRequest(ui, method, p, csrf, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1', port: ui.port, method, path: p,
      headers: { Host: `127.0.0.1:${ui.port}`, 'X-Sodiem-Token': ui.token,
        ...(csrf ? { 'X-CSRF-Token': csrf } : {}), ...(data ? { 'Content-Type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text || 'null') }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// `user` records marks on a device of their own (`sodiem set`), each
// [class, subject, student, column, value], and syncs them; the device's
// data directory, for what the test does next on it.
export function recordMarks(school, user, marks) {
  const home = tmpDir('client');
  enroll(school, home, user);
  for (const m of marks) client(['set', '--data', home, ...m]);
  client(['sync', '--data', home]);
  return home;
}

// A teacher fills every required cell of the term of their subjects in a
// class (what `sodiem board` says is missing) through their own ui, then
// syncs: 8 for a scored subject, Đ for one assessed by comment, Tốt for
// the homeroom's (subject "Chủ nhiệm").
export async function fillClass(dir, cls, term, subjects) {
  const missing = JSON.parse(client(['board', '--data', dir, cls, term, '--json'])).missing;
  const ui = await new Ui(dir).start();
  try {
    const { csrf } = (await uiRequest(ui, 'GET', '/api/session')).json;
    for (const subject of subjects) {
      const homeroom = subject === 'Chủ nhiệm';
      const grid = (await uiRequest(ui, 'GET', `/api/grid?class=${cls}&subject=${encodeURIComponent(subject)}`)).json;
      const value = homeroom ? 'Tốt' : grid.scored ? '8' : 'Đ';
      const edits = missing.filter((m) => m.subject === subject).map((m) => ({ student: m.student, column: m.column, value }));
      if (!edits.length) throw new Error(`no cells to fill in ${cls} ${subject}`);
      const r = await uiRequest(ui, 'POST', '/api/cells', csrf, { class: cls, subject, edits });
      if (r.status !== 200) throw new Error(`${subject}: ${JSON.stringify(r.json)}`);
      const bad = r.json.results.find((x) => !x.ok);
      if (bad) throw new Error(`${subject}: ${JSON.stringify(bad)}`);
    }
  } finally {
    await ui.stop();
  }
  client(['sync', '--data', dir]);
}

// Debian's Chromium, headless, a fresh profile; nothing downloaded.
// ignoreHTTPSErrors: for the school server's self-signed certificate (the console).
export async function openBrowser({ ignoreHTTPSErrors = false } = {}) {
  const profile = tmpDir('chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 768 },
    ignoreHTTPSErrors,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to|SyntaxError|TypeError|ReferenceError/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  return {
    context, page, problems,
    async close() { await context.close(); fs.rmSync(profile, { recursive: true, force: true }); },
  };
}

// The test file's hooks around one school: before its tests, the school is
// made (new School(school)), `beforeStart(env)` may change its data
// directory, it is started, `prepare(env)` may bring data through real
// clients, then a browser opens when asked (`browser`: true, or
// openBrowser's options); after them, the browser, every ui started through
// env.startUi and the server are stopped. Returns `env`, filled in before
// the first test: { school, browser, page, origin (the console's), startUi }.
export function withSchool({ school, browser, beforeStart, prepare } = {}) {
  const uis = [];
  const env = {
    school: null, browser: null, page: null, origin: null,
    async startUi(dataDir, port) {
      const ui = await new Ui(dataDir).start(port);
      uis.push(ui);
      return ui;
    },
  };
  before(async () => {
    env.school = new School(school);
    if (beforeStart) await beforeStart(env);
    await env.school.start();
    env.origin = `https://127.0.0.1:${env.school.port}`;
    if (prepare) await prepare(env);
    if (browser) {
      env.browser = await openBrowser(browser === true ? {} : browser);
      env.page = env.browser.page;
    }
  });
  after(async () => {
    await env.browser?.close();
    for (const ui of uis) await ui.kill();
    await env.school?.stop();
  });
  return env;
}

// Signs `user` in on the school's console (env from withSchool), whoever
// was signed in before; an imported account's issued password is changed on
// the way, as at its first login. Resolves once the console's top bar shows.
export async function consoleLogin(env, user) {
  const { page } = env;
  const a = env.school.account(user);
  await page.context().clearCookies();
  await page.goto(`${env.origin}/`);
  await page.waitForSelector('#login-form');
  await page.fill('#username', user);
  await page.fill('#password', a.password);
  await page.click('#login-button');
  if (a.new_password) {
    await page.waitForSelector('#change-box:not([hidden])');
    await page.fill('#new-password', a.new_password);
    await page.fill('#new-password-again', a.new_password);
    await page.click('#login-button');
    await page.waitForSelector('#top:not([hidden])');
    a.password = a.new_password;
    delete a.new_password;
    return;
  }
  await page.waitForSelector('#top:not([hidden])');
}

// The PDF a click on `button` downloads: its name and its text (pdftotext).
export async function downloadPdf(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(button)]);
  const saved = path.join(tmpDir('print'), file.suggestedFilename());
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), text: pdfText(saved) };
}

// The text of a PDF file (pdftotext -layout).
export function pdfText(file) {
  if (fs.readFileSync(file).subarray(0, 5).toString() !== '%PDF-') throw new Error(`${file} is not a PDF`);
  const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (text.status !== 0) throw new Error(`pdftotext: ${text.stderr}`);
  return text.stdout;
}

export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

// ---- helpers on the grid ----
export const cellSel = (student, column) => `td[data-student="${student}"][data-column="${column}"]`;
export const avgSel = (student, term) => `td[data-student="${student}"][data-average="${term}"]`;

export async function cell(page, student, column) {
  return page.$eval(cellSel(student, column), (td) => ({ text: td.textContent, state: td.dataset.state, title: td.title }));
}

// Saved on this machine: `local`, or already `synced` when the background
// agent was quick (it syncs ~2 s after an edit while the server is up).
export const SAVED = ['local', 'synced'];
const states = (s) => (s === undefined || s === null ? null : [].concat(s));

// Waits until a cell is no longer being saved and has the state (one of the
// states, for an array) and the text asked for.
export async function waitCell(page, student, column, { state, text, timeout = 20_000 } = {}) {
  await page.waitForFunction(([sel, st, tx]) => {
    const td = document.querySelector(sel);
    return td && !td.classList.contains('saving') && (st === null || st.includes(td.dataset.state)) && (tx === null || td.textContent === tx);
  }, [cellSel(student, column), states(state), text ?? null], { timeout });
}

// Every cell of `column` in `state` (or one of the states) for a list of students.
export async function waitColumn(page, students, column, state, timeout = 30_000) {
  await page.waitForFunction(([codes, col, st]) => codes.every((code) => {
    const td = document.querySelector(`td[data-student="${code}"][data-column="${col}"]`);
    return td && st.includes(td.dataset.state) && !td.classList.contains('saving');
  }), [students, column, states(state)], { timeout });
}

// A paste as Excel or LibreOffice put it on the clipboard (text/plain).
export async function paste(page, text) {
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    const target = document.activeElement || document.body;
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

export async function apiGet(page, pathAndQuery) {
  return page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).json(), pathAndQuery);
}

export async function students(page) {
  return page.$$eval('table.grid tbody tr', (rows) => rows.map((r) => r.cells[2].textContent));
}

// Exact TT22 term average of marks given as strings ("8.5"): (ΣTX + 2·GK +
// 3·CK) / (n + 5), rounded half up to one decimal, on integers (tenths).
export function termAverage(tx, gk, ck) {
  const tenths = (s) => Math.round(Number(s) * 10);
  const sum = tx.reduce((a, m) => a + tenths(m), 0) + 2 * tenths(gk) + 3 * tenths(ck);
  const d = tx.length + 5;
  const t = Math.floor((2 * sum + d) / (2 * d));  // round(sum / d), half up
  return `${Math.floor(t / 10)}.${t % 10}`;
}

export function gradingEval(request) {
  return JSON.parse(client(['grading', 'eval'], JSON.stringify(request)));
}

export const comma = (s) => String(s).replace('.', ',');

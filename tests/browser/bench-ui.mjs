// Benchmark of `sodiem ui` in headless Chromium (not a test; run by
// scripts/bench.sh): prints one JSON object with
//   ui_save_ms {p50, p99}: a keystroke's commit (Enter) → the durable local
//     write answered and shown (timed by the page: performance.measure
//     'sodiem-save', window.sodiemPerf.saves);
//   ui_grid_ms {p50, max}: opening a class's grid with a full year of marks
//     → interactive (navigation start → grid built, cursor placed, focused).
// Each with a breakdown of where the time goes (medians, ms), from the
// page's own measure and the browser's resource and navigation timing (so
// it reads any version of the page):
//   ui_save_ms.via: "channel" (the page's WebSocket, /api/ws) or "http"
//     (POST /api/cells);
//   ui_save_ms.parts, on the channel: in_page_before_send (commit → message
//     sent), ui (the ui's own work: message read → answer ready, fsync
//     included, as the ui reports it), transport (sent → answer event on the
//     page's thread, less the ui's work: both directions, the browser's
//     network process and the hand-over to the page's thread),
//     after_answer (answer event → answer shown: the cell, its state, the
//     averages, the cursor); channel_floor_p50/p99 (the same run's round
//     trip on a second WebSocket for a message the ui refuses at once: what
//     browser and channel cost before the ui does any work);
//   over HTTP: in_page_before_fetch (commit → fetch() called),
//     fetch (fetch() → last byte of the answer, of which ui_answer is the
//     ui's own work: request sent → first byte), after_answer (last byte →
//     answer shown: delivery to the page's thread, res.json, painting,
//     averages);
//   both: browser_floor_p50/p99 (the same run's fetch round trip for the
//     smallest uncached answer: what the browser costs on this machine
//     before the ui does anything), and how many saves overlapped a /api/status poll or a
//     quiet grid refetch (with the p50/p99 of the saves that did / did not);
//   ui_grid_ms.parts: document (navigation → HTML received), modules (→ the
//     last script or style asked before the grid was shown), page_start (→ the app's first
//     request sent), grid_fetch_start/end (→ /api/grid sent / received),
//     build, the requests made before /api/grid, and who asked for
//     /api/grid (["link"]: the entry page's preload, once).
// Usage: node tests/browser/bench-ui.mjs [--saves N] [--opens N]
// (binaries from SODIEM_CLIENT_BIN / SODIEM_SERVER_BIN or build/).
import fs from 'node:fs';
import path from 'node:path';
import { School, Ui, client, enroll, openBrowser, server, tmpDir } from './fixture.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SAVES = arg('--saves', 200);
const OPENS = arg('--opens', 15);
const STUDENTS = 45;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x) => Math.round(x * 100) / 100;

// The demo classes have 40 students; the benchmark's class has 45 (added
// through the roster import, as a school would).
function growClass(school, cls, want) {
  const csv = path.join(school.dir, 'students.csv');
  server(['export', 'students', '--data', school.dir, csv]);
  const lines = fs.readFileSync(csv, 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
  const header = lines[0].split(',');
  const iCode = header.findIndex((h) => /code|mã/i.test(h));
  const iClass = header.findIndex((h) => /class|lớp/i.test(h));
  const mine = lines.slice(1).filter((l) => l.split(',')[iClass] === cls);
  const extra = [];
  for (let n = mine.length + 1; n <= want; n++) {
    const f = mine[n % mine.length].split(',');
    f[iCode] = `HS${cls}${String(n).padStart(2, '0')}`;
    extra.push(f.join(','));
  }
  if (!extra.length) return;
  fs.writeFileSync(csv, [...lines, ...extra].join('\n') + '\n');
  server(['import', 'students', '--data', school.dir, csv, '--by', 'quantri', '--password-stdin'],
    `${school.password('quantri')}\n`);
}

const school = new School();
let ui, browser;
try {
  let grown = true;
  try { growClass(school, '6A', STUDENTS); } catch (e) { grown = false; process.stderr.write(`bench-ui: roster import: ${e.message}\n`); }
  await school.start();
  const dir = tmpDir('bench');
  enroll(school, dir, 'gv.toan.1');
  ui = await new Ui(dir).start();
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(ui.link({ class: '6A', subject: 'Toán' }));
  await page.waitForSelector('main[data-ready="grid"]');
  await page.waitForFunction(() => document.querySelectorAll('table.grid tbody tr').length > 0);

  // A full year of marks and comments, one POST, then synced.
  const filled = await page.evaluate(async () => {
    const session = await (await fetch('/api/session')).json();
    const grid = await (await fetch('/api/grid?class=6A&subject=To%C3%A1n')).json();
    const edits = [];
    grid.students.forEach((s, i) => grid.columns.forEach((c, j) => {
      if (c.type === 'mark') edits.push({ student: s.code, column: c.id, value: String(4 + ((i + j) % 7)) + (j % 2 ? '.5' : '') });
      if (c.type === 'comment') edits.push({ student: s.code, column: c.id, value: 'Học tập chăm chỉ, cần cẩn thận hơn khi làm bài.' });
    }));
    const res = await fetch('/api/cells', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf },
      body: JSON.stringify({ class: '6A', subject: 'Toán', edits }) });
    return { status: res.status, students: grid.students.length, columns: grid.columns.length, edits: edits.length };
  });
  if (filled.status !== 200) throw new Error(`filling the grid: HTTP ${filled.status}`);
  await page.click('#sync-now');
  await page.waitForFunction(async () => (await (await fetch('/api/status')).json()).pending === 0, null, { timeout: 120_000 });

  // ui_grid_ms: open the grid again and again (the first two warm up).
  const opens = [];
  for (let i = 0; i < OPENS + 2; i++) {
    await page.goto(`${ui.origin}/?class=6A&subject=${encodeURIComponent('Toán')}`);
    await page.waitForSelector('main[data-ready="grid"]');
    const g = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      const api = res.filter((e) => new URL(e.name).pathname.startsWith('/api/'));
      const grid = api.find((e) => new URL(e.name).pathname === '/api/grid');
      const shown = window.sodiemPerf.grids.at(-1)?.since_navigation_ms ?? Infinity;  // modules fetched later are not waited for
      const files = res.filter((e) => !new URL(e.name).pathname.startsWith('/api/') && e.startTime < shown);
      return {
        ...window.sodiemPerf.grids.at(-1),
        document: nav.responseEnd,
        modules: Math.max(nav.responseEnd, ...files.map((e) => e.responseEnd)),
        page_start: Math.min(...api.map((e) => e.startTime)),
        grid_fetch_start: grid?.startTime, grid_fetch_end: grid?.responseEnd,
        grid_fetches: api.filter((e) => new URL(e.name).pathname === '/api/grid').map((e) => e.initiatorType),
        before_grid: api.filter((e) => e.startTime < (grid?.startTime ?? 0)).map((e) => new URL(e.name).pathname),
      };
    });
    if (i >= 2) opens.push(g);
  }

  // ui_save_ms: a mark typed and committed with Enter, SAVES times, in HK2 cells.
  const codes = await page.$$eval('table.grid tbody tr', (rows) => rows.map((r) => r.cells[2].textContent));
  await page.click(`td[data-student="${codes[0]}"][data-column="HK2.TX1"]`);
  await page.evaluate(() => { window.sodiemPerf.saves.length = 0; performance.setResourceTimingBufferSize(10000); performance.clearResourceTimings(); });
  for (let i = 0; i < SAVES; i++) {
    const row = i % codes.length, pass = Math.floor(i / codes.length);
    if (i > 0 && row === 0) await page.click(`td[data-student="${codes[0]}"][data-column="HK2.TX1"]`);
    await page.keyboard.type(`${row % 10},${(pass % 9) + 1}`);  // never the value already there
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => window.sodiemPerf.saves.length >= n, i + 1);
  }
  const saves = await page.evaluate(() => window.sodiemPerf.saves.slice());
  const saveParts = await page.evaluate(() => (window.sodiemPerf.saveParts || []).slice());
  // The floor in the same run: the browser's own round trip to the ui for
  // the smallest uncached answer (a page file, no disk write), so a figure
  // read on a busy machine can be told from the ui's own cost.
  const floor = await page.evaluate(async (n) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await (await fetch('/early.js', { cache: 'no-store' })).text();
      out.push(performance.now() - t);
    }
    return out;
  }, Math.min(SAVES, 200));
  // The channel's floor: a second WebSocket, the same handshake, a message
  // the ui refuses without any work (an unknown path).
  const channelFloor = await page.evaluate(async (n) => {
    const { csrf } = await (await fetch('/api/session')).json();
    const ws = new WebSocket(`ws://${location.host}/api/ws`);
    const next = () => new Promise((resolve, reject) => { ws.onmessage = (e) => resolve(JSON.parse(e.data)); ws.onclose = reject; });
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    ws.send(JSON.stringify({ csrf }));
    if ((await next()).hello !== true) return [];
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      ws.send(JSON.stringify({ id: i + 1, path: '/api/none', body: '{}' }));
      await next();
      out.push(performance.now() - t);
    }
    ws.close();
    return out;
  }, Math.min(SAVES, 200)).catch(() => []);
  const channel = await page.evaluate((n) => (window.sodiemPerf.channel || []).slice(-n), saves.length);
  // Where the time goes: each save's measure (commit → shown) against the
  // browser's resource timing of its POST /api/cells (one per save, in order).
  const parts = await page.evaluate(() => {
    const res = performance.getEntriesByType('resource');
    const path = (e) => new URL(e.name).pathname;
    const posts = res.filter((e) => path(e) === '/api/cells');
    const others = res.filter((e) => path(e) === '/api/status' || path(e) === '/api/grid');
    const measures = performance.getEntriesByName('sodiem-save');
    const n = posts.length || measures.length;  // over HTTP one POST per save; on the channel none
    return measures.slice(-n).map((m, i) => {
      const p = posts[i], end = m.startTime + m.duration;
      return {
        total: m.duration,
        ...(p ? { before: p.startTime - m.startTime, fetch: p.responseEnd - p.startTime,
          answer: p.responseStart - p.requestStart, after: end - p.responseEnd } : {}),
        overlapped: others.some((o) => o.startTime < end && o.responseEnd > m.startTime),
      };
    });
  });
  const viaChannel = channel.length === saves.length && saveParts.length === saves.length;
  const chParts = viaChannel ? channel.map((c, i) => {
    const s = saveParts[i], end = s.t0 + saves[i];
    return { before: c.sent - s.t0, ui: c.ui_ms, transport: c.received - c.sent - c.ui_ms, after: end - c.received };
  }) : [];
  const answer = viaChannel ? chParts.map((x) => x.ui) : parts.map((x) => x.answer);
  // Saves answered while the ui's background agent was syncing (its own
  // SQLite connection writes then too), and the slowest saves' parts.
  const duringSync = saves.filter((_, i) => saveParts[i]?.syncing);
  const noSync = saves.filter((_, i) => !saveParts[i]?.syncing);
  const slowest = chParts.map((x, i) => ({ total: round(saves[i]), ui: round(x.ui), transport: round(x.transport),
    after: round(x.after), syncing: !!saveParts[i]?.syncing })).sort((a, b) => b.total - a.total).slice(0, 4);
  const med = (xs) => (xs.length ? round(pct(xs, 50)) : null);
  const clear = parts.filter((x) => !x.overlapped).map((x) => x.total);
  const busy = parts.filter((x) => x.overlapped).map((x) => x.total);
  const o50 = (k) => (opens[0]?.[k] === undefined ? null : med(opens.map((g) => g[k])));

  const total = opens.map((g) => g.since_navigation_ms);
  console.log(JSON.stringify({
    ui_save_ms: {
      p50: round(pct(saves, 50)), p99: round(pct(saves, 99)), n: saves.length,
      via: viaChannel ? 'channel' : 'http',
      ui_answer_p50: round(pct(answer, 50)), ui_answer_p99: round(pct(answer, 99)),
      browser_floor_p50: round(pct(floor, 50)), browser_floor_p99: round(pct(floor, 99)),
      ...(channelFloor.length ? { channel_floor_p50: round(pct(channelFloor, 50)), channel_floor_p99: round(pct(channelFloor, 99)) } : {}),
      answered_p50: saveParts.length ? med(saveParts.map((x) => x.answered_ms)) : null,
      parts: viaChannel ? {
        in_page_before_send: med(chParts.map((x) => x.before)), ui: med(chParts.map((x) => x.ui)),
        transport: med(chParts.map((x) => x.transport)), transport_p99: round(pct(chParts.map((x) => x.transport), 99)),
        after_answer: med(chParts.map((x) => x.after)), after_answer_p99: round(pct(chParts.map((x) => x.after), 99)),
        overlapping_poll_or_refetch: busy.length,
        p50_p99_clear: clear.length ? [med(clear), round(pct(clear, 99))] : null,
        p50_p99_overlapping: busy.length ? [med(busy), round(pct(busy, 99))] : null,
        during_sync: duringSync.length,
        p50_p99_during_sync: duringSync.length ? [med(duringSync), round(pct(duringSync, 99))] : null,
        p50_p99_no_sync: noSync.length ? [med(noSync), round(pct(noSync, 99))] : null,
        slowest: slowest,
      } : {
        in_page_before_fetch: med(parts.map((x) => x.before)), fetch: med(parts.map((x) => x.fetch)),
        after_answer: med(parts.map((x) => x.after)),
        after_answer_p99: parts.length ? round(pct(parts.map((x) => x.after), 99)) : null,
        overlapping_poll_or_refetch: busy.length,
        p50_p99_clear: clear.length ? [med(clear), round(pct(clear, 99))] : null,
        p50_p99_overlapping: busy.length ? [med(busy), round(pct(busy, 99))] : null,
      },
    },
    ui_grid_ms: {
      p50: round(pct(total, 50)), max: round(Math.max(...total)), n: total.length,
      in_page_p50: round(pct(opens.map((g) => g.total_ms), 50)),
      build_p50: round(pct(opens.map((g) => g.build_ms), 50)),
      parts: {
        document: o50('document'), modules: o50('modules'), page_start: o50('page_start'),
        grid_fetch_start: o50('grid_fetch_start'), grid_fetch_end: o50('grid_fetch_end'), build: o50('build_ms'),
        before_grid: opens.at(-1)?.before_grid, grid_fetches: opens.at(-1)?.grid_fetches,
      },
      students: filled.students, columns: filled.columns, cells: filled.edits,
      ...(grown ? {} : { why: 'roster import failed: the demo class of 40' }),
    },
  }));
} finally {
  await browser?.close();
  await ui?.kill();
  await school.stop();
}

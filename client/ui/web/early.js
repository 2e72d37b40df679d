// The first requests of the page, sent as soon as this tiny module arrives
// (index.html loads it async, before the other modules): the session and,
// for a grid URL (?class=6A&subject=Toán), the grid's data, so they travel
// while the page's modules load. Only the raw fetches: api.js takes each one
// once (takeEarly) and reads it like any other answer.
const q = new URLSearchParams(location.search);
const early = (window.sodiemEarly = new Map());
const ask = (path) => {
  const p = fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  p.catch(() => {});  // api.js reports the failure when it takes the answer
  early.set(path, p);
};
if (!q.has('token')) {
  ask('/api/session');
  if (!q.get('view') && q.get('class') && q.get('subject')) {
    ask(`/api/grid?${new URLSearchParams({ class: q.get('class'), subject: q.get('subject') })}`);
  }
}

// Cursor paging for listings: Previous and Next over the cursors the admin API hands out.
// The API pages forward only; going back replays the cursors already seen.
import { h } from './dom.js';

/** "57 endpoints", "10,000 or more endpoints": a total as the API counted it. */
export function countText(total, one, many) {
  if (!total) return null;
  const n = total.count.toLocaleString();
  return total.exact ? `${n} ${total.count === 1 ? one : many}` : `${n} or more ${many}`;
}

/**
 * `onChange` reloads the listing; call `update(answer, shown)` after each load and `reset()`
 * when the filters change. `cursor()` is the page to ask for.
 */
export function pager({ label, pageSize, onChange }) {
  const before = []; // cursors of the pages before the current one (null: the first page)
  let current = null;
  let next = null;
  const previous = h('button', { type: 'button', class: 'btn btn-small', disabled: true }, 'Previous');
  const following = h('button', { type: 'button', class: 'btn btn-small', disabled: true }, 'Next');
  const status = h('span', { class: 'muted' });
  previous.addEventListener('click', () => {
    if (before.length === 0) return;
    current = before.pop();
    onChange();
  });
  following.addEventListener('click', () => {
    if (next === null) return;
    before.push(current);
    current = next;
    onChange();
  });
  const el = h('nav', { class: 'pager', 'aria-label': `${label} pages` }, previous, status, following);
  return {
    el,
    cursor: () => current,
    reset() {
      before.length = 0;
      current = null;
      next = null;
    },
    update(answer, shown) {
      next = answer.nextCursor ?? null;
      previous.disabled = before.length === 0;
      following.disabled = next === null;
      const first = before.length * pageSize + (shown > 0 ? 1 : 0);
      const last = before.length * pageSize + shown;
      const of = answer.total ? ` of ${answer.total.count.toLocaleString()}${answer.total.exact ? '' : '+'}` : '';
      status.textContent = `Page ${before.length + 1} · ${first.toLocaleString()}–${last.toLocaleString()}${of}`;
      el.hidden = before.length === 0 && next === null;
    },
  };
}

// DOM helpers for the keep console. Every piece of text goes in as a text node (never
// innerHTML), so a key called <img src=x onerror=…> shows as those characters.

// el('tag', {attr: value, onclick: fn}, child, …): children are nodes or text.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces the page's content and moves focus to it (keyboard and screen-reader users
// land on the new page).
export function show(...children) {
  const main = document.getElementById('main');
  main.replaceChildren();
  append(main, children);
  main.focus();
}

// An error box (role=alert) for a failed call: the API's code and message, as text.
export function alertBox(err) {
  const text = err && err.code ? `${err.message} (${err.code})` : String(err && err.message || err);
  return el('div', {class: 'alert', role: 'alert'}, text);
}

// A table: headers, then rows of cells (nodes or text).
export function table(headers, rows, attrs = {}) {
  return el('div', {class: 'scroll'},
    el('table', attrs,
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c)))))));
}

// A labelled input: returns [label, input]; `id` ties them.
export function field(id, label, attrs = {}) {
  const input = el(attrs.tag || 'input', {id, name: id, ...attrs, tag: undefined});
  return [el('label', {for: id}, label), input];
}

// A form whose submit runs `action(form)`; errors appear at its end, the button is disabled
// while it runs.
export function form(title, children, button, action) {
  const status = el('div', {'aria-live': 'polite'});
  const submit = el('button', {type: 'submit'}, button);
  const f = el('form', {class: 'card', novalidate: true}, title ? el('h2', {}, title) : null,
               children, submit, status);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    submit.disabled = true;
    try {
      const result = await action(f);
      if (result instanceof Node) status.append(result);
    } catch (err) {
      status.append(alertBox(err));
    } finally {
      submit.disabled = false;
    }
  });
  return f;
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// Tokens (create — shown once —, list, revoke) and policies (list, edit with the API's
// validation errors shown under the editor). docs/api.md "Tokens", "Policies".
import {api, seg} from '/ui/api.js';
import {el, show, form, field, table, alertBox, when} from '/ui/dom.js';

export async function tokensPage() {
  const r = await api('GET', '/v1/auth/tokens');
  const rows = r.tokens.map((t) => [
    t.accessor, t.display_name || '—', (t.policies || []).join(', '), when(t.expires_at),
    el('button', {type: 'button', class: 'danger', 'data-accessor': t.accessor, onclick: async (ev) => {
      if (!window.confirm(`Revoke token ${t.accessor} (${t.display_name || 'no name'}) and its children?`)) return;
      ev.target.disabled = true;
      try {
        await api('DELETE', '/v1/auth/tokens/' + seg(t.accessor));
        await tokensPage();
      } catch (err) {
        ev.target.after(alertBox(err));
        ev.target.disabled = false;
      }
    }}, 'Revoke'),
  ]);
  const [nl, ni] = field('token-name', 'Display name', {autocomplete: 'off', maxlength: 64});
  const [pl, pi] = field('token-policies', 'Policies (comma-separated; empty: yours)', {autocomplete: 'off'});
  const [tl, ti] = field('token-ttl', 'Time to live (e.g. 30d; empty: the default)', {autocomplete: 'off'});
  const create = form('Create a token', [el('div', {class: 'row'}, el('div', {}, nl, ni), el('div', {}, pl, pi),
                                            el('div', {}, tl, ti))],
                      'Create', async () => {
                        const body = {};
                        if (ni.value.trim()) body.display_name = ni.value.trim();
                        const pols = pi.value.split(',').map((s) => s.trim()).filter(Boolean);
                        if (pols.length) body.policies = pols;
                        if (ti.value.trim()) body.ttl = ti.value.trim();
                        const t = await api('POST', '/v1/auth/tokens', body);
                        // Shown once, here only: never stored by the console.
                        return el('div', {class: 'ok'},
                                  el('p', {}, `Token ${t.accessor} created. Copy it now: it is not shown again.`),
                                  el('p', {class: 'secret', id: 'new-token'}, t.token),
                                  el('button', {type: 'button', class: 'secondary', onclick: () => tokensPage()}, 'Done'));
                      });
  show(el('h1', {}, 'Tokens'),
       rows.length ? table(['Accessor', 'Name', 'Policies', 'Expires', ''], rows) : el('p', {}, 'No tokens.'),
       create);
}

export async function policiesPage() {
  const r = await api('GET', '/v1/sys/policies');
  const [nl, ni] = field('policy-name', 'New policy name', {autocomplete: 'off', maxlength: 64,
                                                           pattern: '[a-z0-9_-]{1,64}'});
  const create = form(null, [nl, ni], 'Edit new policy', async () => {
    const name = ni.value.trim();
    if (!/^[a-z0-9_-]{1,64}$/.test(name)) throw new Error('Names are 1–64 of a-z 0-9 _ -');
    location.hash = '#/policies/' + seg(name);
  });
  show(el('h1', {}, 'Policies'),
       table(['Name'], r.policies.map((p) => [el('a', {href: '#/policies/' + seg(p)}, p)])), create);
}

export async function policyPage(name) {
  let current = {rules: [], system: []};
  try {
    const p = await api('GET', '/v1/sys/policies/' + seg(name));
    current = {rules: p.rules, system: p.system};
    if (p.assignable_policies) current.assignable_policies = p.assignable_policies;
  } catch (err) {
    if (err.status !== 404) throw err;  // a new policy
  }
  const [el1, editor] = field('policy-json', 'Policy (JSON)', {tag: 'textarea', spellcheck: 'false'});
  editor.value = JSON.stringify(current, null, 2);
  const save = form(null, [el1, editor], 'Save', async () => {
    let body;
    try {
      body = JSON.parse(editor.value);
    } catch (err) {
      throw new Error('Not valid JSON: ' + err.message);
    }
    await api('PUT', '/v1/sys/policies/' + seg(name), body);
    return el('div', {class: 'ok'}, `Saved ${name}. It applies at once on every node.`);
  });
  editor.setAttribute('aria-describedby', 'policy-help');
  show(el('p', {}, el('a', {href: '#/policies'}, '← Policies')), el('h1', {}, name),
       el('p', {id: 'policy-help', class: 'muted'},
          'Rules give capabilities on keys (exact names, prefixes ending in *, or *); system ' +
          'lists system capabilities. Unknown fields or capabilities are refused with the reason.'),
       save);
}

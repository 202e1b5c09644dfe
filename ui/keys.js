// Keys: list with search and paging, create; one key: versions, rotate, minimum
// decryption version, auto-rotation, schedule and cancel deletion (docs/api.md "Keys").
import {api, seg} from '/ui/api.js';
import {el, show, form, field, table, alertBox, when} from '/ui/dom.js';

const TYPES = ['aes256-gcm', 'chacha20-poly1305', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ecdsa-p256',
               'ecdsa-p384', 'ed25519', 'x25519', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'];

export async function keysPage() {
  const list = el('div', {id: 'key-list'});
  const [ql, qi] = field('prefix', 'Search by name prefix', {type: 'search', autocomplete: 'off'});
  let after = '';
  const shown = (p) => p.catch((err) => list.replaceChildren(alertBox(err)));
  const load = async (reset) => {
    if (reset) after = '';
    const q = new URLSearchParams({limit: '50'});
    if (qi.value) q.set('prefix', qi.value);
    if (after) q.set('after', after);
    const r = await api('GET', '/v1/keys?' + q);
    const rows = r.keys.map((name) => [el('a', {href: '#/keys/' + seg(name)}, name)]);
    const more = r.next
        ? el('button', {type: 'button', class: 'secondary', onclick: () => { after = r.next; shown(load(false)); }},
             'Next page')
        : null;
    list.replaceChildren(rows.length ? table(['Name'], rows) : el('p', {class: 'muted'}, 'No keys.'),
                         more || '');
  };
  qi.addEventListener('input', () => shown(load(true)));

  const [nl, ni] = field('new-name', 'Name', {required: true, maxlength: 128, autocomplete: 'off'});
  const [tl, ts] = field('new-type', 'Type', {tag: 'select'});
  for (const t of TYPES) ts.append(el('option', {value: t}, t));
  const [pl, ps] = field('new-purpose', 'Purpose (RSA keys)', {tag: 'select'});
  for (const p of ['', 'encrypt', 'sign']) ps.append(el('option', {value: p}, p || '—'));
  const [rl, ri] = field('new-rotate', 'Auto-rotate every (e.g. 90d; empty: never)', {autocomplete: 'off'});
  const create = form('Create a key', [el('div', {class: 'row'}, el('div', {}, nl, ni), el('div', {}, tl, ts),
                                          el('div', {}, pl, ps), el('div', {}, rl, ri))],
                      'Create', async () => {
                        const body = {name: ni.value.trim(), type: ts.value};
                        if (ps.value) body.purpose = ps.value;
                        if (ri.value.trim()) body.auto_rotate_period = ri.value.trim();
                        const k = await api('POST', '/v1/keys', body);
                        ni.value = '';
                        await load(true);
                        return el('div', {class: 'ok'}, 'Created ', el('a', {href: '#/keys/' + seg(k.name)}, k.name), '.');
                      });
  show(el('h1', {}, 'Keys'), el('section', {}, ql, qi, list), create);
  await load(true);
}

export async function keyPage(name) {
  const path = '/v1/keys/' + seg(name);
  const k = await api('GET', path);
  const again = () => keyPage(name);
  const facts = [['Type', k.type], ['Purpose', k.purpose], ['State', k.state], ['Created', when(k.created_at)],
                 ['Latest version', String(k.latest_version)],
                 ['Minimum decryption version', String(k.min_decryption_version)],
                 ['Auto-rotate', k.auto_rotate_period || 'never'], ['Description', k.description || '—']];
  if (k.deletion_date) facts.push(['Deletion date', when(k.deletion_date)]);

  const rotate = form(null, [el('p', {class: 'muted'}, 'A new version encrypts from now on; older versions still decrypt.')],
                      'Rotate', async () => { await api('POST', path + '/rotate', {}); await again(); });
  const [ml, ms] = field('min-version', 'Minimum decryption version', {tag: 'select'});
  for (const v of k.versions) ms.append(el('option', {value: v.version, selected: v.version === k.min_decryption_version}, String(v.version)));
  const minForm = form(null, [ml, ms], 'Save', async () => {
    await api('PATCH', path, {min_decryption_version: Number(ms.value)});
    await again();
  });
  const [al, ai] = field('auto-rotate', 'Auto-rotate every (0: never)', {value: k.auto_rotate_period || '0'});
  const autoForm = form(null, [al, ai], 'Save', async () => {
    await api('PATCH', path, {auto_rotate_period: ai.value.trim() || '0'});
    await again();
  });
  let deletion;
  if (k.state === 'pending_deletion') {
    deletion = form('Deletion', [el('p', {}, `Scheduled for ${when(k.deletion_date)}.`)], 'Cancel deletion',
                    async () => { await api('POST', path + '/cancel-deletion', {}); await again(); });
  } else {
    const [dl, di] = field('pending-days', 'Delete after (days, 7–365)', {type: 'number', min: 7, max: 365, value: 30});
    deletion = form('Deletion', [dl, di], 'Schedule deletion', async () => {
      if (!window.confirm(`Schedule the deletion of ${name}? It stops working at once.`)) return null;
      await api('DELETE', path + '?pending_days=' + encodeURIComponent(di.value));
      await again();
    });
    deletion.querySelector('button[type=submit]').classList.add('danger');
  }
  show(el('p', {}, el('a', {href: '#/keys'}, '← Keys')), el('h1', {}, name),
       el('section', {}, el('dl', {}, facts.flatMap(([a, b]) => [el('dt', {}, a), el('dd', {}, b)]))),
       el('h2', {}, 'Versions'),
       table(['Version', 'Created', 'Origin'], k.versions.map((v) => [String(v.version), when(v.created_at), v.origin || ''])),
       el('h2', {}, 'Rotate'), rotate, el('h2', {}, 'Decryption'), minForm, el('h2', {}, 'Auto-rotation'), autoForm,
       deletion);
}

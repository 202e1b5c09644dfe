// Status (GET /v1/sys/health, and the nodes and lockdowns for identities with `sys`) and unseal
// (POST /v1/sys/unseal): both work without signing in, as the API does.
import {api, signedIn} from '/ui/api.js';
import {el, show, form, field, table, alertBox, when} from '/ui/dom.js';
import {openShare} from '/ui/shares.js';

function stateOf(h) {
  if (!h.initialized) return ['Not initialized', 'bad', 'Initialize with: keep operator init'];
  if (h.sealed) {
    const p = h.unseal_threshold ? `${h.unseal_progress} of ${h.unseal_threshold} shares given` : '';
    return ['Sealed', 'bad', p];
  }
  if (h.degraded) return ['Degraded', 'bad', 'The store is unreachable; keys in memory still serve'];
  return ['Active', 'good', ''];
}

export async function statusPage() {
  const h = await api('GET', '/v1/sys/health');
  const [state, cls, note] = stateOf(h);
  const facts = [
    ['Initialized', String(h.initialized)], ['Sealed', String(h.sealed)],
    ['Seal type', h.seal_type], ['Version', h.version], ['Node', h.node_id || '—'],
  ];
  if (h.store) facts.push(['Store', h.store.reachable ? 'reachable' : 'UNREACHABLE ' + (h.store.error || '')]);
  if (h.share_kind) facts.push(['Shares', `${h.share_kind}, threshold ${h.unseal_threshold}`]);
  if (h.seal_error) facts.push(['Seal error', h.seal_error]);
  if (h.keyring) {
    facts.push(['Keyring', `term ${h.keyring.active_term} active` +
                (h.keyring.reencrypting ? `, re-encrypting ${h.keyring.rewritten}/${h.keyring.old_records}` : '')]);
  }
  if (h.replication) {
    facts.push(['Replication', `${h.replication.connected ? 'connected' : 'DISCONNECTED'}, ` +
                `${h.replication.lag_ms} ms behind`]);
  }
  const parts = [
    el('h1', {}, 'Status'),
    el('section', {},
       el('p', {class: 'state ' + cls, id: 'state'}, state),
       note ? el('p', {}, note) : null,
       h.sealed && h.initialized ? el('p', {}, el('a', {href: '#/unseal'}, 'Unseal')) : null,
       el('dl', {}, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]))),
  ];
  if (signedIn() && h.initialized && !h.sealed) {
    try {
      const n = await api('GET', '/v1/sys/nodes');
      const lag = (x) => (x.lag_ms < 0 ? 'never caught up' : `${x.lag_ms} ms`);
      const rows = n.nodes.map((x) => [
        x.id + (x.self ? ' (this node)' : ''), x.address || '—', x.version || '—',
        x.sealed ? 'SEALED' : 'unsealed',
        !x.responsive ? `NOT SEEN for ${Math.round(x.seen_ms_ago / 1000)} s`
            : n.shared_store ? (x.feed_connected ? `following, ${lag(x)} behind` : 'FEED DOWN')
                             : 'single node',
      ]);
      parts.push(el('h2', {}, 'Nodes'), table(['Node', 'Address', 'Version', 'Seal', 'Replication'], rows,
                                               {id: 'nodes'}));
    } catch (err) {
      if (err.status !== 403) parts.push(alertBox(err));
    }
    try {
      const l = await api('GET', '/v1/sys/lockdown');
      const rows = (l.identities || []).map((x) => [x.identity, x.reason || '', when(x.locked_at)]);
      parts.push(el('h2', {}, 'Lockdowns'),
                 rows.length ? table(['Identity', 'Reason', 'Since'], rows)
                             : el('p', {class: 'muted'}, 'No identity is locked down.'));
    } catch (err) {
      if (err.status !== 403) parts.push(alertBox(err));
    }
  }
  show(...parts);
}

export async function unsealPage() {
  const h = await api('GET', '/v1/sys/health');
  const progress = el('p', {id: 'progress', 'aria-live': 'polite'});
  const setProgress = (s) => {
    progress.textContent = s.sealed === false
        ? 'Unsealed.'
        : `Sealed: ${s.progress ?? s.unseal_progress} of ${s.threshold ?? s.unseal_threshold} shares given.`;
  };
  setProgress(h);
  const [sl, si] = field('share', 'Share', {tag: 'textarea', autocomplete: 'off', spellcheck: 'false',
                                             rows: 3});
  const [fl, fi] = field('share-file', 'or a share file', {type: 'file', accept: '.txt,text/plain'});
  // An encrypted share (kshare1e-…) is opened here, in the browser, with the custodian's key.
  const [kl, ki] = field('share-key', 'Your private key, for an encrypted share (kshare1e-…; PEM, never sent)',
                         {type: 'file', accept: '.pem,.key,text/plain'});
  const keyRow = el('div', {hidden: true}, kl, ki);
  const showKey = () => { keyRow.hidden = !si.value.trim().startsWith('kshare1e-'); };
  si.addEventListener('input', showKey);
  const readInto = async (file) => {
    if (file) si.value = (await file.text()).trim();
    showKey();
  };
  fi.addEventListener('change', () => readInto(fi.files[0]));
  const submit = async () => {
    let share = si.value.trim();
    if (!share) throw new Error('Give a share (kshare1-…).');
    if (share.startsWith('kshare1e-')) {
      const keyFile = ki.files[0];
      if (!keyFile) throw new Error('This share is encrypted: choose your private key file to open it here.');
      share = await openShare(share, await keyFile.text());
    }
    si.value = '';
    fi.value = '';
    ki.value = '';
    showKey();
    const s = await api('POST', '/v1/sys/unseal', {share});
    setProgress(s);
    return el('div', {class: 'ok'}, s.duplicate ? 'That share was already given.' : 'Share accepted.');
  };
  const f = form(null, [sl, si, fl, fi, keyRow], 'Submit share', submit);
  f.addEventListener('dragover', (ev) => ev.preventDefault());
  f.addEventListener('drop', async (ev) => {  // a share file dropped anywhere on the form
    ev.preventDefault();
    await readInto(ev.dataTransfer.files[0]);
  });
  const reset = form(null, [el('p', {class: 'muted'}, 'Forget the shares given so far.')], 'Reset',
                     async () => { setProgress(await api('POST', '/v1/sys/unseal', {reset: true})); });
  show(el('h1', {}, 'Unseal'), el('section', {}, progress), f, reset);
}

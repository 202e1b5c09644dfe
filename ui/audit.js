// The audit trail: this node's newest records with filters and paging, the newest signed
// checkpoint, and verification on demand (GET /v1/sys/audit/records; the `audit`
// capability). Identities appear as the trail writes them (token ids as HMACs).
import {api} from '/ui/api.js';
import {el, show, field, table, alertBox, when} from '/ui/dom.js';

export async function auditPage() {
  const [ol, oi] = field('f-operation', 'Operation', {autocomplete: 'off', placeholder: 'e.g. decrypt'});
  const [cl, ci] = field('f-outcome', 'Outcome', {autocomplete: 'off', placeholder: 'e.g. forbidden'});
  const [kl, ki] = field('f-key', 'Key', {autocomplete: 'off'});
  const list = el('div', {id: 'records'});
  const verification = el('div', {id: 'verification', 'aria-live': 'polite'});
  const checkpoint = el('div', {id: 'checkpoint'});
  let pages = [0];  // before_seq of each page shown; 0: the newest

  const load = async (verify) => {
    const q = new URLSearchParams({limit: '50'});
    if (oi.value.trim()) q.set('operation', oi.value.trim());
    if (ci.value.trim()) q.set('outcome', ci.value.trim());
    if (ki.value.trim()) q.set('key', ki.value.trim());
    const before = pages[pages.length - 1];
    if (before) q.set('before_seq', String(before));
    if (verify) q.set('verify', 'true');
    const r = await api('GET', '/v1/sys/audit/records?' + q);
    const rows = r.records.map((x) => [String(x.seq), when(x.time), x.type === 'request' ? x.operation : x.type,
                                       x.key || '', x.outcome || '', x.identity_name || x.identity || '',
                                       x.request_id || '']);
    const nav = el('div', {class: 'row'},
      pages.length > 1 ? el('button', {type: 'button', class: 'secondary', onclick: () => { pages.pop(); load(false).catch(showErr); }}, 'Newer') : null,
      r.records.length === 50 ? el('button', {type: 'button', class: 'secondary', onclick: () => {
        pages.push(r.records[r.records.length - 1].seq); load(false).catch(showErr); }}, 'Older') : null);
    list.replaceChildren(rows.length ? table(['Seq', 'Time', 'Operation', 'Key', 'Outcome', 'Identity', 'Request'], rows)
                                     : el('p', {class: 'muted'}, 'No matching records.'), nav);
    if (r.truncated_scan) list.append(el('p', {class: 'muted'}, 'Only the newest 16 MiB of the trail were searched.'));
    const c = r.last_checkpoint;
    checkpoint.replaceChildren(c ? el('p', {}, `Newest signed checkpoint: seq ${c.seq}, ${when(c.time)}, key ${c.key_id}` +
                                               (c.final ? ' (final)' : ''))
                                 : el('p', {class: 'muted'}, 'No checkpoint in the part read.'));
    if (r.verification) {
      const v = r.verification;
      verification.replaceChildren(v.ok
        ? el('div', {class: 'ok'}, `The current file verifies: ${v.records} records (seq ${v.first_seq}–${v.last_seq}), ` +
                                   `${v.checkpoints} signed checkpoints, ${v.unsigned_tail} records after the last one.`)
        : el('div', {class: 'alert', role: 'alert'}, `Verification FAILED at line ${v.line}: ${v.error}`));
    }
  };
  const showErr = (err) => list.replaceChildren(alertBox(err));
  const filters = el('form', {class: 'card'}, el('div', {class: 'row'}, el('div', {}, ol, oi), el('div', {}, cl, ci),
                                                 el('div', {}, kl, ki)),
                     el('button', {type: 'submit'}, 'Filter'),
                     el('button', {type: 'button', class: 'secondary', id: 'verify', onclick: () => load(true).catch(showErr)},
                        'Verify the trail'));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); pages = [0]; load(false).catch(showErr); });
  show(el('h1', {}, 'Audit trail'),
       el('p', {class: 'muted'}, 'This node\'s current trail file, newest first. Every record is hash-chained; ' +
                                 'checkpoints are signed (docs/formats.md §7).'),
       filters, verification, checkpoint, list);
  await load(false);
}

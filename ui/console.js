// The keep console: a hash-routed page over the REST API. Status and unseal need no
// token (as in the API); everything else signs in first. Sign-in takes a token, checked
// with GET /v1/auth/tokens/self and then held in memory only (api.js).
import {api, setToken, setCertificate, signedIn} from '/ui/api.js';
import {el, show, form, field} from '/ui/dom.js';
import {statusPage, unsealPage} from '/ui/status.js';
import {keysPage, keyPage} from '/ui/keys.js';
import {tokensPage, policiesPage, policyPage} from '/ui/access.js';
import {auditPage} from '/ui/audit.js';
import {metricsPage} from '/ui/metrics.js';

let me = null;  // the signed-in token's lookup

const routes = [
  [/^#\/status$/, statusPage, false],
  [/^#\/unseal$/, unsealPage, false],
  [/^#\/keys$/, keysPage, true],
  [/^#\/keys\/(.+)$/, keyPage, true],
  [/^#\/tokens$/, tokensPage, true],
  [/^#\/policies$/, policiesPage, true],
  [/^#\/policies\/(.+)$/, policyPage, true],
  [/^#\/audit$/, auditPage, true],
  [/^#\/metrics$/, metricsPage, true],
];

function signInPage(next) {
  const [tl, ti] = field('token', 'Token', {type: 'password', autocomplete: 'off',
                                             spellcheck: 'false', required: true});
  show(el('h1', {}, 'Sign in'),
       form(null, [tl, ti,
                   el('p', {class: 'muted'},
                      'The token stays in this page\'s memory: reloading or closing the page ' +
                      'signs you out. The console can do only what the token\'s policies allow.')],
            'Sign in', async () => {
              setToken(ti.value.trim());
              try {
                me = await api('GET', '/v1/auth/tokens/self');
              } catch (err) {
                setToken(null);
                throw err;
              }
              ti.value = '';
              refreshHeader();
              location.hash = next && next !== '#/signin' ? next : '#/keys';
              if (location.hash === next) route();
            }));
  // With a client certificate (TLS: the browser presents it; keepd maps it to an identity
  // with [[auth.certificate]]): no token at all.
  const cert = form(null, [el('p', {class: 'muted'},
                              'Or use the client certificate your browser presents to keepd.')],
                    'Use my client certificate', async () => {
                      setToken(null);
                      const who = await api('GET', '/v1/auth/tokens/self');
                      if (who.kind !== 'certificate') {
                        throw new Error('keepd did not see a mapped client certificate from this browser');
                      }
                      setCertificate(true);
                      me = who;
                      refreshHeader();
                      location.hash = next && next !== '#/signin' ? next : '#/keys';
                      if (location.hash === next) route();
                    });
  document.getElementById('main').append(cert);
  ti.focus();
}

function refreshHeader() {
  const who = document.getElementById('who');
  const out = document.getElementById('signout');
  who.textContent = me ? `${me.display_name || me.accessor || me.identity} · ${(me.policies || []).join(', ')}` : '';
  out.hidden = !me;
  for (const a of document.querySelectorAll('[data-signed-in]')) a.hidden = !me;
}

async function route() {
  const hash = location.hash || '#/status';
  for (const a of document.querySelectorAll('#nav a')) {
    if (hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (hash === '#/signin') return signInPage('#/keys');
  for (const [re, page, needsToken] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    if (needsToken && !signedIn()) return signInPage(hash);
    try {
      await page(...m.slice(1).map(decodeURIComponent));
    } catch (err) {
      if (err.status === 401) {
        setToken(null);
        me = null;
        refreshHeader();
        return signInPage(hash);
      }
      show(el('h1', {}, 'Error'), el('div', {class: 'alert', role: 'alert'},
                                     `${err.message} (${err.code || 'error'})`));
    }
    return;
  }
  show(el('h1', {}, 'Not found'), el('p', {}, 'No such page.'));
}

document.getElementById('signout').addEventListener('click', () => {
  setToken(null);
  me = null;
  refreshHeader();
  location.hash = '#/signin';
});
window.addEventListener('hashchange', route);
refreshHeader();
route();

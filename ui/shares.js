// Encrypted unseal shares ("kshare1e-…", docs/formats.md §5) opened in the browser with
// the custodian's private key, through WebCrypto only: the key file and the share never
// leave the page; what is sent is the plain share, as `keep operator unseal --identity`
// sends it. The blob is crypto/pubkey.h's SealTo with label "keep share v1":
//   0x01 ‖ ephemeral X25519 public (32) ‖ nonce (12) ‖ AES-256-GCM(share ‖ tag), AAD = label,
//        key = HKDF-SHA256(X25519(eph, own), salt = eph ‖ own public,
//                          info = "keep x25519 seal v1" ‖ 0x00 ‖ label)
//   0x02 ‖ RSA-OAEP(SHA-256, MGF1-SHA-256, label)
// Keys: PEM PKCS#8 ("PRIVATE KEY", as `keep keygen` writes without --passphrase).
// Passphrase-protected keys (scrypt) have no WebCrypto equivalent: the CLI opens them.

const LABEL = new TextEncoder().encode('keep share v1');
const INFO = new TextEncoder().encode('keep x25519 seal v1\0keep share v1');

function b64urlDecode(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('the encrypted share is damaged (not base64url)');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function b64urlEncode(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function pemBody(pem) {
  if (pem.includes('ENCRYPTED PRIVATE KEY')) {
    throw new Error('This private key is protected by a passphrase, which the browser cannot ' +
                    'open (scrypt): use keep operator unseal --identity KEY');
  }
  const m = pem.match(/-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/);
  if (!m) throw new Error('Not a PEM private key (-----BEGIN PRIVATE KEY-----)');
  return Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
}

async function openX25519(der, blob) {
  if (blob.length < 1 + 32 + 12 + 16) throw new Error('the encrypted share is truncated');
  let priv;
  try {
    priv = await crypto.subtle.importKey('pkcs8', der, {name: 'X25519'}, true, ['deriveBits']);
  } catch (e) {
    throw new Error('This share was encrypted to an X25519 key; the key given is not one');
  }
  const own = b64urlDecode((await crypto.subtle.exportKey('jwk', priv)).x);
  const ephRaw = blob.slice(1, 33);
  const eph = await crypto.subtle.importKey('raw', ephRaw, {name: 'X25519'}, false, []);
  const shared = new Uint8Array(await crypto.subtle.deriveBits({name: 'X25519', public: eph}, priv, 256));
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  shared.fill(0);
  const salt = new Uint8Array(64);
  salt.set(ephRaw, 0);
  salt.set(own, 32);
  const key = await crypto.subtle.deriveKey({name: 'HKDF', hash: 'SHA-256', salt, info: INFO}, ikm,
                                            {name: 'AES-GCM', length: 256}, false, ['decrypt']);
  return crypto.subtle.decrypt({name: 'AES-GCM', iv: blob.slice(33, 45), additionalData: LABEL},
                               key, blob.slice(45));
}

async function openRsa(der, blob) {
  let priv;
  try {
    priv = await crypto.subtle.importKey('pkcs8', der, {name: 'RSA-OAEP', hash: 'SHA-256'}, false, ['decrypt']);
  } catch (e) {
    throw new Error('This share was encrypted to an RSA key; the key given is not one');
  }
  return crypto.subtle.decrypt({name: 'RSA-OAEP', label: LABEL}, priv, blob.slice(1));
}

// The plain share ("kshare1-…") inside `text` ("kshare1e-…"), opened with `pem`.
export async function openShare(text, pem) {
  const blob = b64urlDecode(text.trim().slice('kshare1e-'.length));
  const der = pemBody(pem);
  let plain;
  try {
    if (blob[0] === 1) plain = await openX25519(der, blob);
    else if (blob[0] === 2) plain = await openRsa(der, blob);
    else throw new Error('unknown encrypted share type');
  } catch (e) {
    if (e instanceof Error && !(e instanceof DOMException)) throw e;
    throw new Error('Cannot decrypt the share: it was encrypted to another key, or altered');
  } finally {
    der.fill(0);
  }
  const bytes = new Uint8Array(plain);
  const share = 'kshare1-' + b64urlEncode(bytes);
  bytes.fill(0);
  return share;
}

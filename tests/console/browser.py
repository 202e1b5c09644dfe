#!/usr/bin/python3
"""The keep console in a real browser: Debian's chromium, headless, driven through
chromium-driver by python3-selenium, against a keepd the calling test started.

usage: browser.py URL TLS_DIR SCREENSHOT_DIR
env: KEEP_SHARES "s1 s2" (encrypted to the first two keys), KEEP_SHARE_KEYS "k1 k2 k3"
     (PEM private key files: X25519, RSA, X25519), KEEP_ROOT_TOKEN

Chromium trusts exactly the test server's key (--ignore-certificate-errors-spki-list with
the SHA-256 of its SubjectPublicKeyInfo), nothing broader. Each step prints "ok <step>";
the first failure raises (non-zero exit). API calls made beside the browser (to check what
the console did) go through urllib with the test CA.
"""
import base64
import hashlib
import json
import os
import re
import ssl
import sys
import tempfile
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL, TLS_DIR, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
SHARES = os.environ["KEEP_SHARES"].split()
KEYS = os.environ["KEEP_SHARE_KEYS"].split()
ROOT = os.environ["KEEP_ROOT_TOKEN"]
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
XSS_NAME = '<img src=x onerror="window.__xss=3">'  # display names: 64 characters at most
CTX = ssl.create_default_context(cafile=os.path.join(TLS_DIR, "ca.pem"))


def call(method, path, token=None, body=None):
    """The API beside the browser: (status, headers, parsed JSON or text)."""
    req = urllib.request.Request(URL + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=CTX) as r:
            data = r.read().decode()
            status, headers = r.status, r.headers
    except urllib.error.HTTPError as e:
        data, status, headers = e.read().decode(), e.code, e.headers
    try:
        data = json.loads(data) if data else None
    except ValueError:
        pass
    return status, headers, data


def spki_pin():
    with open(os.path.join(TLS_DIR, "server.pem"), "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def browser(profile):
    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-extensions", "--disable-background-networking",
              "--window-size=1280,800", "--user-data-dir=" + profile,
              "--ignore-certificate-errors-spki-list=" + spki_pin()):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def ok(step):
    print("ok", step, flush=True)


def main():
    with tempfile.TemporaryDirectory() as profile:
        d = browser(profile)
        try:
            run(d)
        except Exception:
            d.save_screenshot(os.path.join(SHOTS, "failure.png"))
            print("page at failure:", d.current_url, d.find_element(By.TAG_NAME, "main").text,
                  file=sys.stderr)
            raise
        finally:
            d.quit()


def run(d):
    # Pages re-render after each action: an element found a moment ago may be gone.
    wait = WebDriverWait(d, 10, ignored_exceptions=(StaleElementReferenceException,
                                                    NoSuchElementException))

    def text_in(locator, text):
        wait.until(EC.text_to_be_present_in_element(locator, text))

    def shot(name):
        d.execute_script("window.scrollTo(0, 0)")
        d.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def fill(elem_id, value):
        e = wait.until(EC.element_to_be_clickable((By.ID, elem_id)))
        e.clear()
        e.send_keys(value)
        return e

    def submit_of(elem_id):
        form = d.find_element(By.ID, elem_id).find_element(By.XPATH, "ancestor::form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        return form

    # Headers: a strict policy on every console file, nothing cacheable as a credential.
    for f in ("", "/console.js", "/console.css"):
        status, h, _ = call("GET", "/ui" + f)
        assert status == 200, (f, status)
        csp = h["Content-Security-Policy"]
        for want in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                     "base-uri 'none'", "form-action 'none'"):
            assert want in csp, (f, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    assert call("GET", "/ui/nothing.js")[0] == 404
    ok("headers")

    # Sealed after the restart: the status page says so; two custodians unseal.
    d.get(URL + "/ui/")
    text_in((By.ID, "state"), "Sealed")
    assert "0 of 2 shares given" in d.find_element(By.TAG_NAME, "main").text
    shot("status-sealed")
    d.get(URL + "/ui/#/unseal")
    text_in((By.ID, "progress"), "0 of 2")
    fill("share", "kshare1-not-a-share")
    submit_of("share")
    text_in((By.CSS_SELECTOR, "main form [role=alert]"), "invalid_share")
    # An encrypted share: the key-file field appears; the wrong custodian's key is refused
    # in the browser (nothing sent), the right one (X25519) opens it.
    fill("share", SHARES[0])
    d.find_element(By.ID, "share-key").send_keys(KEYS[2])
    submit_of("share")
    text_in((By.CSS_SELECTOR, "main form [role=alert]"), "encrypted to another key")
    assert "0 of 2" in d.find_element(By.ID, "progress").text
    fill("share", SHARES[0])
    d.find_element(By.ID, "share-key").send_keys(KEYS[0])
    submit_of("share")
    text_in((By.ID, "progress"), "1 of 2")
    shot("unseal")
    fill("share", SHARES[1])  # the RSA custodian's (RSA-OAEP in WebCrypto)
    d.find_element(By.ID, "share-key").send_keys(KEYS[1])
    submit_of("share")
    text_in((By.ID, "progress"), "Unsealed")
    d.get(URL + "/ui/#/status")
    text_in((By.ID, "state"), "Active")
    ok("unseal")

    # Signing in, with the keyboard alone: the token field has focus; Enter submits.
    d.get(URL + "/ui/#/keys")
    wait.until(lambda _: d.switch_to.active_element.get_attribute("id") == "token")
    d.switch_to.active_element.send_keys("keep_wrong" + Keys.ENTER)
    text_in((By.CSS_SELECTOR, "main [role=alert]"), "unauthenticated")
    # This browser has no client certificate: certificate sign-in is refused, not anonymous.
    d.find_element(By.XPATH, "//button[text()='Use my client certificate']").click()
    wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "main [role=alert]")) == 2)
    assert "Keys" not in d.find_element(By.TAG_NAME, "h1").text
    fill("token", ROOT).send_keys(Keys.ENTER)
    text_in((By.TAG_NAME, "h1"), "Keys")
    assert "root" in d.find_element(By.ID, "who").text
    # The token is in no storage the browser keeps.
    stored = d.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
    assert stored == [0, 0, ""], stored
    ok("sign-in")

    # Signed in with `sys`, the status page lists the nodes (here the one, on SQLite).
    health = call("GET", "/v1/sys/health")[2]
    d.get(URL + "/ui/#/status")
    text_in((By.ID, "nodes"), health["node_id"] + " (this node)")
    text_in((By.ID, "nodes"), "single node")
    shot("status")
    ok("nodes")
    d.get(URL + "/ui/#/keys")  # back where the keyboard walk starts
    text_in((By.TAG_NAME, "h1"), "Keys")

    # The keyboard alone: Tab reaches the new key's name field, Enter in it creates the key.
    d.execute_script("document.activeElement.blur()")  # from the top of the page
    for _ in range(40):
        if d.switch_to.active_element.get_attribute("id") == "new-name":
            break
        d.switch_to.active_element.send_keys(Keys.TAB)
    assert d.switch_to.active_element.get_attribute("id") == "new-name", \
        d.switch_to.active_element.get_attribute("outerHTML")
    d.switch_to.active_element.send_keys("kbd-key" + Keys.ENTER)
    text_in((By.ID, "key-list"), "kbd-key")
    ok("keyboard")

    # A key: create, open, rotate, raise the minimum decryption version.
    fill("new-name", "orders")
    submit_of("new-name")
    text_in((By.ID, "key-list"), "orders")
    d.find_element(By.LINK_TEXT, "orders").click()
    text_in((By.TAG_NAME, "h1"), "orders")
    d.find_element(By.XPATH, "//button[text()='Rotate']").click()
    wait.until(lambda _: "Latest version\n2" in d.find_element(By.TAG_NAME, "dl").text
               or "Latest version 2" in d.find_element(By.TAG_NAME, "dl").text)
    d.find_element(By.CSS_SELECTOR, "#min-version option[value='2']").click()
    submit_of("min-version")
    wait.until(lambda _: call("GET", "/v1/keys/orders", ROOT)[2]["min_decryption_version"] == 2)
    shot("key")
    # Deletion: scheduled (after a confirmation), then cancelled: the key comes back disabled.
    fill("pending-days", "7")
    submit_of("pending-days")
    d.switch_to.alert.accept()
    text_in((By.TAG_NAME, "dl"), "pending_deletion")
    d.find_element(By.XPATH, "//button[text()='Cancel deletion']").click()
    wait.until(lambda _: call("GET", "/v1/keys/orders", ROOT)[2]["state"] == "disabled")
    assert call("PATCH", "/v1/keys/orders", ROOT, {"enabled": True})[0] == 200
    ok("key")

    # Output is escaped: a description and a token name made of markup show as text.
    assert call("PATCH", "/v1/keys/orders", ROOT, {"description": XSS})[0] == 200
    d.get(URL + "/ui/#/keys")  # a hash change keeps the page (and the token in memory)
    d.get(URL + "/ui/#/keys/orders")
    text_in((By.TAG_NAME, "main"), XSS)
    assert d.execute_script("return window.__xss") is None
    assert not d.find_elements(By.CSS_SELECTOR, "main img, main script")
    ok("escaped")

    # CSP in force: an inline script added to the page does not run, and the browser reports
    # the violation. (eval cannot be tried from here: WebDriver's scripts are exempt from
    # the page's policy; the header check above shows there is no 'unsafe-eval'.)
    d.execute_script("window.__violations = [];"
                     "document.addEventListener('securitypolicyviolation',"
                     " (e) => window.__violations.push(e.effectiveDirective));"
                     "var s = document.createElement('script'); s.textContent = "
                     "'window.__inline = 1'; document.body.appendChild(s);")
    wait.until(lambda _: d.execute_script("return window.__violations.length") > 0)
    assert d.execute_script("return window.__inline") is None
    assert d.execute_script("return window.__violations[0]") == "script-src-elem", \
        d.execute_script("return window.__violations")
    ok("csp")

    # A policy: the API's validation error appears under the editor, then a good one saves.
    d.find_element(By.LINK_TEXT, "Policies").click()
    fill("policy-name", "console-test")
    submit_of("policy-name")
    editor = wait.until(EC.element_to_be_clickable((By.ID, "policy-json")))
    editor.clear()
    editor.send_keys('{"rules":[{"keys":"orders","capabilities":["encrypt","fly"]}]}')
    submit_of("policy-json")
    text_in((By.CSS_SELECTOR, "main form [role=alert]"), "fly")
    editor.clear()
    editor.send_keys('{"rules":[{"keys":"orders","capabilities":["encrypt"]}]}')
    submit_of("policy-json")
    text_in((By.CSS_SELECTOR, "main form .ok"), "Saved console-test")
    assert call("GET", "/v1/sys/policies/console-test", ROOT)[2]["rules"][0]["capabilities"] == ["encrypt"]
    shot("policy")
    ok("policy")

    # A token: created with that policy, shown once, works; revoked from its row, stops.
    d.find_element(By.LINK_TEXT, "Tokens").click()
    fill("token-name", XSS_NAME)
    fill("token-policies", "console-test")
    submit_of("token-name")
    new = wait.until(EC.visibility_of_element_located((By.ID, "new-token"))).text
    assert new.startswith("keep_"), new
    status, _, me = call("GET", "/v1/auth/tokens/self", new)
    assert status == 200 and me["policies"] == ["console-test"], (status, me)
    shot("token-created")
    d.find_element(By.XPATH, "//button[text()='Done']").click()
    text_in((By.TAG_NAME, "main"), me["accessor"])
    text_in((By.TAG_NAME, "main"), XSS_NAME)  # the display name, as text
    assert d.execute_script("return window.__xss") is None
    d.find_element(By.CSS_SELECTOR, "button[data-accessor='%s']" % me["accessor"]).click()
    d.switch_to.alert.accept()
    wait.until(lambda _: call("GET", "/v1/auth/tokens/self", new)[0] == 401)
    ok("token")

    # The audit trail: what this test did is there; filtered; the file verifies.
    d.find_element(By.LINK_TEXT, "Audit").click()
    text_in((By.ID, "records"), "token.create")
    fill("f-operation", "key.rotate")
    submit_of("f-operation")
    wait.until(lambda _: "token.create" not in d.find_element(By.ID, "records").text)
    assert "key.rotate" in d.find_element(By.ID, "records").text
    assert "orders" in d.find_element(By.ID, "records").text
    d.find_element(By.ID, "verify").click()
    text_in((By.ID, "verification"), "The current file verifies")
    assert "Newest signed checkpoint" in d.find_element(By.ID, "checkpoint").text
    shot("audit")
    ok("audit")

    # Metrics: three charts from successive scrapes of /metrics, with traffic between them.
    d.find_element(By.LINK_TEXT, "Metrics").click()

    def charted(_):
        for _ in range(20):
            call("GET", "/v1/keys/orders", ROOT)
        text = d.find_element(By.ID, "charts").text
        return (re.search(r"now: requests [1-9]", text) and re.search(r"p99 \d", text)
                and len(d.find_elements(By.CSS_SELECTOR, "#charts circle")) == 4)
    WebDriverWait(d, 20, poll_frequency=0.5,
                  ignored_exceptions=(StaleElementReferenceException,)).until(charted)
    assert len(d.find_elements(By.CSS_SELECTOR, "#charts svg")) == 3
    assert "p99" in d.find_element(By.ID, "charts").text
    shot("metrics")
    ok("metrics")

    # Phone-sized and desktop viewports: nothing wider than the screen.
    for w, h in ((390, 844), (1280, 800)):
        d.set_window_size(w, h)
        for page in ("#/status", "#/keys", "#/tokens", "#/keys/orders", "#/audit", "#/policies"):
            d.get(URL + "/ui/" + page)
            wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
            if page != "#/status":  # a reload signs out: sign in again
                if d.find_elements(By.ID, "token"):
                    fill("token", ROOT).send_keys(Keys.ENTER)
                    wait.until(lambda _: not d.find_elements(By.ID, "token"))
            over = d.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert over <= 0, (w, page, over)
        if w == 390:
            shot("phone-keys")
    ok("viewports")

    # Nothing the console did made the browser complain: no script errors, and exactly one
    # CSP violation — the inline script this test injected — so the console's own code
    # lives within the policy. (HTTP refusals the test provoked are network entries.)
    logs = d.get_log("browser")
    csp = [e for e in logs if "Content Security Policy" in e["message"]]
    assert len(csp) == 1, csp
    errors = [e for e in logs if e["level"] == "SEVERE" and e["source"] != "network"
              and e not in csp]
    assert not errors, errors
    ok("console clean")


if __name__ == "__main__":
    main()

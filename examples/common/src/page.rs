//! The admin page: Settings → SCIM Provisioning → Enable, copy URL and token.
//!
//! The page carries no data of its own: the administrator types the admin token into it,
//! and its script calls the admin API with `Authorization: Bearer …` (the token stays in
//! the page's memory, never in a URL, a cookie or storage). Everything the script shows is
//! set with `textContent` or `value`, and the one value rendered on the server is
//! HTML-escaped.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};

/// Escapes `s` for HTML text and double-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn render(scim_url: &str) -> Response<Bytes> {
    let html = PAGE.replace("{{SCIM_URL}}", &escape(scim_url));
    let mut r = Response::new(Bytes::from(html));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SCIM provisioning · scimitar example</title>
<style>
 body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
 fieldset { border: 1px solid #ccc; border-radius: 6px; margin: 1rem 0; padding: .8rem 1rem; }
 label { display: block; margin: .4rem 0 .1rem; font-weight: 600; }
 input { font: inherit; padding: .3rem; width: 100%; box-sizing: border-box; }
 .row { display: flex; gap: .5rem; } .row input { flex: 1; }
 button { font: inherit; padding: .3rem .8rem; cursor: pointer; }
 #message { min-height: 1.5em; color: #060; } #message.error { color: #a00; }
 #tokens li { font-family: monospace; }
 .secret { background: #fffbe6; }
</style>
</head>
<body>
<h1>SCIM provisioning</h1>
<p>Enable SCIM for an organization, then copy the SCIM 2.0 base URL and the bearer token into
your identity provider (Okta: Provisioning → Integration; Entra ID: Provisioning → Admin
credentials). The token is shown once.</p>

<fieldset>
 <legend>Admin</legend>
 <label for="admin">Admin token (kept in this page only)</label>
 <input id="admin" type="password" autocomplete="off">
 <label for="tenant">Organization</label>
 <input id="tenant" value="default" pattern="[A-Za-z0-9._-]{1,64}">
 <p class="row">
  <button id="load">Show status</button>
  <button id="enable">Enable</button>
  <button id="rotate">Rotate token</button>
  <button id="disable">Disable</button>
 </p>
 <p id="message" role="status"></p>
</fieldset>

<fieldset>
 <legend>Copy into your IdP</legend>
 <label for="url">SCIM 2.0 base URL</label>
 <div class="row"><input id="url" readonly value="{{SCIM_URL}}"><button data-copy="url">Copy</button></div>
 <label for="token">Bearer token (shown once)</label>
 <div class="row"><input id="token" class="secret" readonly placeholder="Enable or rotate to get a token"><button data-copy="token">Copy</button></div>
</fieldset>

<fieldset>
 <legend>Status</legend>
 <p>SCIM enabled: <strong id="enabled">?</strong></p>
 <ul id="tokens"></ul>
</fieldset>

<script>
"use strict";
const $ = (id) => document.getElementById(id);
const say = (text, failed) => { $("message").textContent = text; $("message").className = failed ? "error" : ""; };

async function call(method, suffix) {
  const tenant = $("tenant").value.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) { throw new Error("organization name: A-Z a-z 0-9 . _ - only"); }
  const res = await fetch("/admin/tenants/" + tenant + suffix, {
    method, headers: { "Authorization": "Bearer " + $("admin").value }
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) { throw new Error(res.status + ": " + (body.detail || res.statusText)); }
  return body;
}

function showStatus(s) {
  $("enabled").textContent = s.enabled ? "yes" : "no";
  if (s.scimUrl) { $("url").value = s.scimUrl; }
  const list = $("tokens");
  list.replaceChildren();
  for (const t of s.tokens || []) {
    const li = document.createElement("li");
    li.textContent = t.id + " (created " + t.created + ") ";
    const b = document.createElement("button");
    b.textContent = "Revoke";
    b.onclick = () => act(() => call("POST", "/scim/tokens/" + encodeURIComponent(t.id) + "/revoke"), "Token revoked.");
    li.appendChild(b);
    list.appendChild(li);
  }
}

async function act(f, done) {
  say("");
  try {
    const body = await f();
    if (body.token) {
      $("token").value = body.token;
      $("url").value = body.scimUrl;
      say(done + " Copy the token now: it is not shown again.");
      showStatus(await call("GET", "/scim"));
    } else {
      showStatus(body);
      say(done);
    }
  } catch (e) { say(e.message, true); }
}

$("load").onclick = () => act(() => call("GET", "/scim"), "");
$("enable").onclick = () => act(() => call("POST", "/scim"), "SCIM enabled.");
$("rotate").onclick = () => act(() => call("POST", "/scim/rotate"), "New token issued; the old ones work until revoked.");
$("disable").onclick = () => {
  if (confirm("Disable SCIM? Every request of this organization will be refused.")) {
    $("token").value = "";
    act(() => call("DELETE", "/scim"), "SCIM disabled.");
  }
};
for (const b of document.querySelectorAll("button[data-copy]")) {
  b.onclick = async () => {
    const v = $(b.dataset.copy).value;
    try { await navigator.clipboard.writeText(v); say("Copied."); }
    catch (_) { $(b.dataset.copy).select(); say("Press Ctrl+C to copy."); }
  };
}
</script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn page_interpolates_escaped_url() {
        let r = render("https://x.example/\"><script>");
        let body = String::from_utf8_lossy(r.body()).into_owned();
        assert!(body.contains("https://x.example/&quot;&gt;&lt;script&gt;"));
        assert!(!body.contains("{{SCIM_URL}}"));
    }
}

// Plays a browser against a local `oidc-provider` (its dev interactions) for the OAuth tests:
// follows redirects from `url`, keeps the provider's cookies, signs in as `login` at its login
// form and consents, submits a form_post response page (with `formExtras` added to its fields,
// as Apple adds `user`), until a redirect's target satisfies `stop`. `abort` cancels at the
// login form instead. Returns { location, status, from } of that last redirect.
export async function browseOidc(url, { issuer, login = 'alice', abort = false, stop, formExtras = {} }) {
  const jar = new Map();
  let method = 'GET';
  let body;
  for (let step = 0; step < 25; step++) {
    const here = new URL(url);
    const headers = {};
    if (here.origin === issuer && jar.size > 0) {
      headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    if (here.origin === issuer) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
        else jar.set(name, value);
      }
    }
    method = 'GET';
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      await res.text();
      const location = new URL(res.headers.get('location'), url).toString();
      if (stop(location)) return { location, status: res.status, from: url };
      url = location;
      continue;
    }
    const text = await res.text();
    if (res.status === 200 && here.origin === issuer && here.pathname.startsWith('/interaction/')) {
      if (abort) {
        url = `${url}/abort`;
        continue;
      }
      method = 'POST';
      body = text.includes('name="prompt" value="login"')
        ? new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString()
        : new URLSearchParams({ prompt: 'consent' }).toString();
      continue;
    }
    const form = res.status === 200 && here.origin === issuer && formPost(text);
    if (form) {
      url = form.action;
      method = 'POST';
      body = new URLSearchParams({ ...form.fields, ...formExtras }).toString();
      continue;
    }
    throw new Error(`unexpected ${res.status} at ${url}: ${text.slice(0, 500)}`);
  }
  throw new Error('too many redirects');
}

// The action and hidden fields of a response_mode=form_post page, or null.
function formPost(html) {
  const action = html.match(/<form method="post" action="([^"]*)">/);
  if (!action) return null;
  const unescape = (v) =>
    v.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]);
  const fields = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g)) {
    fields[unescape(name)] = unescape(value);
  }
  return { action: unescape(action[1]), fields };
}

// Follows redirects from `url` (a provider that approves at once) until one leaves for `app`;
// returns that URL. Anything but a redirect on the way fails.
export async function redirectsToApp(url, app) {
  for (let step = 0; step < 10; step++) {
    const res = await fetch(url, { redirect: 'manual' });
    await res.text();
    if (res.status < 300 || res.status >= 400) throw new Error(`${res.status} at ${url}`);
    const next = new URL(res.headers.get('location'), url);
    if (next.toString().startsWith(app)) return next;
    url = next.toString();
  }
  throw new Error('too many redirects');
}

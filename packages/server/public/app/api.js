// The JSON API behind the dashboard, with the bearer token asked for once per browser session.

const TOKEN_KEY = 'wrkr-token';
let token = sessionStorage.getItem(TOKEN_KEY);
// One question at a time: every request refused while it is open waits for the same answer.
let asking = null;

/** An API answer other than 2xx, with the server's stable code. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || 'HTTP ' + status);
    this.status = status;
    this.code = body?.code;
  }
}

function askToken(wrong) {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  document.getElementById('token-error').textContent = wrong ? 'that token was refused' : '';
  form.hidden = false;
  input.value = '';
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener(
      'submit',
      (e) => {
        e.preventDefault();
        form.hidden = true;
        resolve(input.value);
      },
      { once: true },
    );
  });
}

async function newToken(refused) {
  if (!asking) {
    asking = askToken(refused !== null).then((value) => {
      token = value;
      sessionStorage.setItem(TOKEN_KEY, value);
      asking = null;
    });
  }
  await asking;
}

/** Call the API; a 401 without a basic-auth challenge asks for the token (once for all callers) and tries again. */
export async function api(method, path, body) {
  for (;;) {
    const sent = token;
    const headers = {};
    if (sent) headers.authorization = 'Bearer ' + sent;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401 && !res.headers.get('www-authenticate')) {
      // Another caller may have stored a new token meanwhile: only a refusal of the current one asks again.
      if (sent === token) await newToken(sent);
      continue;
    }
    const text = await res.text();
    const data = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}

/** Path segment of a name or id. */
export const seg = encodeURIComponent;

/** True when `err` says the backend lacks the capability a call needs (501 ERR_WRKR_NOT_SUPPORTED). */
export const unsupported = (err) => err instanceof ApiError && err.code === 'ERR_WRKR_NOT_SUPPORTED';

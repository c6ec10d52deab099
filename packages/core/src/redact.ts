/**
 * Keeping credentials out of messages and log lines: one helper masks every URL in a text, and the
 * pino `redact` paths cover the structured fields known to carry secrets.
 */

// scheme://[userinfo@]host[path][?query][#fragment]; the userinfo group is greedy so a password holding
// an unencoded '@' is masked whole.
const URL_IN_TEXT = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^\s/?#]*)@)?([^\s/?#]*)([^\s?#]*)(\?[^\s#]*)?(#\S*)?/g;

/**
 * `text` with the password of every URL in it replaced by `***`, and query strings and fragments
 * (which may carry tokens) removed: `redis://:pw@h:6379/0?x=1` → `redis://:***@h:6379/0`.
 */
export function maskUrl(text: string): string {
  return text.replace(URL_IN_TEXT, (_all, scheme: string, userinfo: string | undefined, host: string, path: string) => {
    if (userinfo === undefined) return `${scheme}${host}${path}`;
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@${host}${path}`;
  });
}

/**
 * Paths for pino's `redact` option covering the fields that may hold credentials: authorization headers,
 * passwords, and the arguments of a failed Redis command (`AUTH user password`).
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'headers.authorization',
  'password',
  '*.password',
  'err.command.args',
  'err.cause.command.args',
  'err.previousErrors[*].command.args',
];

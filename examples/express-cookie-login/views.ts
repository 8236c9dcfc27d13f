import type { ListedSession } from 'user-session-redis-storage';
import type { CookieLoginSession } from './session-data.js';

/** Text made safe for HTML element content and quoted attributes. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const style = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 54rem; color: #1b1f24; padding: 0 1rem; }
  h1 { font-size: 1.4rem; } table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d8dee4; }
  th { background: #f6f8fa; } .current { background: #eef6ee; } .tag { font-size: .8rem; color: #1a7f37; font-weight: 600; }
  form { display: inline-block; margin: 0 .5rem .5rem 0; } button { font: inherit; padding: .35rem .8rem; cursor: pointer; }
  .notice { background: #fff8c5; padding: .5rem .8rem; } .error { background: #ffebe9; padding: .5rem .8rem; }
  label { display: block; margin: .6rem 0; } input { font: inherit; padding: .3rem; }`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${style}</style></head><body>${body}</body></html>`;
}

function form(action: string, csrf: string, label: string, fields = ''): string {
  return `<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">${fields}<button type="submit">${escapeHtml(label)}</button></form>`;
}

/** The login form. */
export function loginPage(csrf: string, error?: string): string {
  const fields = `<label>Username <input name="username" autocomplete="username" required></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>`;
  return page(
    'Sign in',
    `<h1>Sign in</h1>${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}${form('/login', csrf, 'Sign in', fields)}
    <p>Demo users: alice / wonderland, bob / builder.</p>`,
  );
}

const time = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');

/** "Your devices": every session of the user, from one readAll, with the three ways to log out. */
export function devicesPage(options: {
  userId: string;
  currentId: string;
  sessions: ReadonlyMap<string, ListedSession<unknown>>;
  csrf: string;
  notice?: string;
}): string {
  const rows = [...options.sessions]
    .map(([id, { metaData, expiresAt }]) => {
      const s = metaData as CookieLoginSession;
      const current = id === options.currentId;
      return `<tr class="${current ? 'current' : ''}" data-session-id="${escapeHtml(id)}">
        <td>${escapeHtml(s.device ?? 'Unknown device')}${current ? ' <span class="tag">this device</span>' : ''}</td>
        <td>${escapeHtml(s.ip ?? '-')}</td><td>${time(s.signedInAt)}</td><td>${time(s.lastSeenAt)}</td><td>${time(expiresAt)}</td></tr>`;
    })
    .join('');
  return page(
    'Your devices',
    `<h1>Signed in as ${escapeHtml(options.userId)}</h1>
    ${options.notice ? `<p class="notice">${escapeHtml(options.notice)}</p>` : ''}
    <h2>Your devices (${options.sessions.size})</h2>
    <table><thead><tr><th>Device</th><th>IP</th><th>Signed in</th><th>Last seen</th><th>Expires</th></tr></thead><tbody>${rows}</tbody></table>
    ${form('/logout', options.csrf, 'Log out this device')}
    ${form('/logout-others', options.csrf, 'Log out other devices')}
    ${form('/logout-everywhere', options.csrf, 'Log out everywhere')}`,
  );
}

/** A refused form (wrong or missing CSRF token). */
export function forbiddenPage(): string {
  return page('Refused', '<h1>This form has expired</h1><p><a href="/login">Reload the page</a> and try again.</p>');
}

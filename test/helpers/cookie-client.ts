/**
 * An HTTP client that keeps one cookie jar, as one browser profile would:
 * what the frameworks' session middleware sees from a device.
 */
export class CookieClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  /** The value of a cookie it holds (still URL-encoded, as sent). */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** A request with a JSON body (or none); redirects are not followed (see `location`). */
  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.send(method, path, body === undefined ? undefined : { type: 'application/json', text: JSON.stringify(body) });
  }

  /** A form post, as a browser submits an HTML form. */
  async postForm(path: string, form: Record<string, string>): Promise<Answer> {
    return this.send('POST', path, { type: 'application/x-www-form-urlencoded', text: new URLSearchParams(form).toString() });
  }

  private async send(method: string, path: string, body: { type: string; text: string } | undefined): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (body) headers['content-type'] = body.type;
    const response = await fetch(`${this.base}${path}`, { method, headers, body: body?.text, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not JSON (an HTML page): the text is there.
    }
    return { status: response.status, json, text, location: response.headers.get('location') ?? undefined };
  }
}

/** What a request answered. */
export interface Answer {
  status: number;
  /** The body as JSON, or {} when it is not JSON. */
  json: Record<string, unknown>;
  text: string;
  /** The Location header of a redirect. */
  location: string | undefined;
}

/** The session id inside an express-session cookie value ("s:<sid>.<signature>", URL-encoded). */
export function sidOfSignedCookie(value: string): string {
  const decoded = decodeURIComponent(value);
  const unsigned = decoded.startsWith('s:') ? decoded.slice(2) : decoded;
  return unsigned.slice(0, unsigned.lastIndexOf('.'));
}

/**
 * The admin's browser in the OAuth flow: keeps the cookies the relay sets (name → value, and
 * the raw Set-Cookie lines for assertions), follows no redirect on its own, and sends requests
 * for the relay's public URL (what the relay writes into links) to the test relay.
 */
export class OAuthBrowser {
  readonly cookies = new Map<string, string>();
  readonly setCookieLines: string[] = [];
  /** Every HTML page the browser was shown (for "no secret leaked" assertions). */
  readonly pages: string[] = [];

  constructor(
    /** Where the relay's public URL leads (tests with several instances switch it). */
    public relayUrl: string,
    private readonly publicUrl: string,
  ) {}

  /** The request URL for a link: relay public URLs go to the test relay, others as they are. */
  resolve(link: string): string {
    return link.startsWith(`${this.publicUrl}/`)
      ? `${this.relayUrl}${link.slice(this.publicUrl.length)}`
      : link;
  }

  async get(link: string): Promise<Response> {
    return this.keep(
      await fetch(this.resolve(link), { redirect: 'manual', headers: this.cookieHeader() }),
    );
  }

  async postForm(link: string, form: Record<string, string>): Promise<Response> {
    return this.keep(
      await fetch(this.resolve(link), {
        method: 'POST',
        redirect: 'manual',
        headers: this.cookieHeader(),
        body: new URLSearchParams(form),
      }),
    );
  }

  /**
   * Opens the relay's start link, lets Atlassian (the double's /authorize) answer, and returns
   * the callback URL it sends the browser to, without following it.
   */
  async consent(authorizeUrl: string): Promise<{ opened: Response; callbackUrl: string }> {
    const opened = await this.get(authorizeUrl);
    if (opened.status !== 302) throw new Error(`start link answered ${opened.status}`);
    const atlassian = await this.get(opened.headers.get('location') as string);
    const callbackUrl = atlassian.headers.get('location');
    if (!callbackUrl) throw new Error(`Atlassian answered ${atlassian.status} without redirect`);
    return { opened, callbackUrl };
  }

  /**
   * Jira Data Center: opens the relay's start link, follows it to the instance's authorize
   * URL, and answers its consent page (Allow or Deny) as the signed-in Jira user would. Returns
   * the callback URL Jira sends the browser to, without following it.
   */
  async consentInJira(
    startLink: string,
    decision: 'allow' | 'deny' = 'allow',
  ): Promise<{ opened: Response; authorizeUrl: string; callbackUrl: string }> {
    const opened = await this.get(startLink);
    if (opened.status !== 302) throw new Error(`start link answered ${opened.status}`);
    const authorizeUrl = opened.headers.get('location') as string;
    const page = await this.get(authorizeUrl);
    const html = await page.text();
    if (page.status !== 200) throw new Error(`Jira's authorize answered ${page.status}: ${html}`);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const consent = /name="consent" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !consent) throw new Error('no consent form on the authorize page');
    const answered = await this.postForm(new URL(action, authorizeUrl).toString(), {
      consent,
      decision,
    });
    const callbackUrl = answered.headers.get('location');
    if (!callbackUrl)
      throw new Error(`Jira's consent answered ${answered.status} without redirect`);
    return { opened, authorizeUrl, callbackUrl };
  }

  /** consent, then the callback page. */
  async authorize(authorizeUrl: string): Promise<{ callbackUrl: string; page: Response }> {
    const { callbackUrl } = await this.consent(authorizeUrl);
    return { callbackUrl, page: await this.get(callbackUrl) };
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return {
      cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    };
  }

  private async keep(response: Response): Promise<Response> {
    for (const line of response.headers.getSetCookie()) {
      this.setCookieLines.push(line);
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0\b/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
      this.pages.push(await response.clone().text());
    }
    return response;
  }
}

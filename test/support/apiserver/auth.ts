// Bearer-token authentication. Tokens come from the command line and/or a file that is read again on every request,
// so a test rotates credentials by rewriting the file (as kubelet rotates a projected service-account token).
import { readFile } from 'node:fs/promises';

export class Tokens {
  constructor(
    public staticTokens: Set<string>,
    private readonly tokenFile?: string,
  ) {}

  /** The tokens accepted right now: one per line in the file, blank lines and `#` comments ignored. */
  async current(): Promise<Set<string>> {
    const tokens = new Set(this.staticTokens);
    if (this.tokenFile) {
      const text = await readFile(this.tokenFile, 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        const token = line.trim();
        if (token !== '' && !token.startsWith('#')) tokens.add(token);
      }
    }
    return tokens;
  }

  async check(authorization: string | undefined): Promise<boolean> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return false;
    return (await this.current()).has(match[1] as string);
  }
}

// The CSR's token service: HTTP Basic auth on POST auth/token-services gives a token; every
// other call carries it in X-auth-token. Tokens expire after an idle lifetime (the real
// device: 15 minutes), configurable so that a driver's re-login path can be exercised.
// Expired tokens are swept (on every login and by the server's timer), and at most
// MAX_TOKENS live at once, so that a client logging in again and again cannot grow the map.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How many tokens may be live at once. The device holds only a few REST sessions; lab
 * allows more, since a driver's test suite may log in once per test without logging out,
 * but a bound all the same: one more login is refused until a token is deleted or expires.
 */
const MAX_TOKENS = 32;

type Login = { token: string; expires: number } | 'wrong-credentials' | 'too-many-tokens';

export class Tokens {
  private readonly lastUse = new Map<string, number>();

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly lifetimeMs: number,
  ) {}

  /** A new token for good Basic credentials, unless MAX_TOKENS are live. */
  login(authorization: string | undefined, now: number): Login {
    if (!this.credentialsOk(authorization)) return 'wrong-credentials';
    this.sweep(now);
    if (this.lastUse.size >= MAX_TOKENS) return 'too-many-tokens';
    const token = randomBytes(16).toString('base64url');
    this.lastUse.set(token, now);
    return { token, expires: now + this.lifetimeMs };
  }

  /** Forgets every token idle for longer than its lifetime. */
  sweep(now: number): void {
    for (const [token, last] of this.lastUse) if (now - last > this.lifetimeMs) this.lastUse.delete(token);
  }

  /** True for a known token used within its lifetime; using it extends it. */
  use(token: string | undefined, now: number): boolean {
    if (!token) return false;
    const last = this.lastUse.get(token);
    if (last === undefined) return false;
    if (now - last > this.lifetimeMs) {
      this.lastUse.delete(token);
      return false;
    }
    this.lastUse.set(token, now);
    return true;
  }

  logout(token: string): boolean {
    return this.lastUse.delete(token);
  }

  /** Basic credentials as the device's user, without making a token. */
  credentialsOk(authorization: string | undefined): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && same(decoded.slice(0, colon), this.username) && same(decoded.slice(colon + 1), this.password);
  }

  get count(): number {
    return this.lastUse.size;
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

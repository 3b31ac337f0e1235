import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a request speaks for. */
export type Principal =
  | { kind: 'admin' }
  /** A token scoped to one namespace: sees and changes that namespace only. */
  | { kind: 'namespace'; namespace: string }
  /** A trial's push token: may push observations for that trial and nothing else. */
  | { kind: 'trial'; namespace: string; trial: string };

export interface ApiAuth {
  /** The principal of a bearer token, or undefined when the token is unknown. */
  principal(token: string): Principal | undefined;
  /** The push token a trial is given as TUNESTEP_TRIAL_TOKEN. */
  trialToken(namespace: string, trial: string): string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url').toString('utf8');
const TRIAL_PREFIX = 'tt1';

/** A new random token (256 bits, URL-safe). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * Bearer tokens: one admin token, namespace tokens kept as SHA-256 hashes, and trial tokens that need
 * no storage: `tt1.<namespace>.<trial>.<HMAC-SHA256 of both under a secret>`, so that the API can tell a
 * token of another trial (403) from no valid token at all (401) on AWS and locally alike.
 */
export class TokenAuth implements ApiAuth {
  private readonly admin: Buffer;

  constructor(
    adminToken: string,
    private readonly namespaceTokens: { namespace: string; sha256: string }[],
    private readonly trialSecret: string,
  ) {
    this.admin = sha256(adminToken);
  }

  principal(token: string): Principal | undefined {
    const hash = sha256(token);
    if (sameBytes(hash, this.admin)) return { kind: 'admin' };
    for (const t of this.namespaceTokens) {
      if (sameBytes(hash, Buffer.from(t.sha256, 'hex'))) return { kind: 'namespace', namespace: t.namespace };
    }
    const parts = token.split('.');
    if (parts.length === 4 && parts[0] === TRIAL_PREFIX) {
      const namespace = unb64(parts[1]!);
      const trial = unb64(parts[2]!);
      if (sameBytes(Buffer.from(parts[3]!), Buffer.from(this.mac(namespace, trial)))) return { kind: 'trial', namespace, trial };
    }
    return undefined;
  }

  trialToken(namespace: string, trial: string): string {
    return [TRIAL_PREFIX, b64(namespace), b64(trial), this.mac(namespace, trial)].join('.');
  }

  private mac(namespace: string, trial: string): string {
    return createHmac('sha256', this.trialSecret).update(`trial\n${namespace}\n${trial}`).digest('base64url');
  }
}

/** The SHA-256 a namespace token is kept as. */
export const tokenHash = (token: string): string => sha256(token).toString('hex');

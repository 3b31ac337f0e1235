import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken, tokenHash } from '#functions/api/auth.js';

/** A namespace-scoped API token as kept on disk: its SHA-256 only. */
export interface NamespaceToken {
  namespace: string;
  sha256: string;
}

const tokensFile = (home: string) => join(home, 'tokens.json');

/** Namespace-scoped tokens, `TUNESTEP_HOME/tokens.json`: `[{ "namespace": "team-a", "sha256": "<hex>" }]`. */
export function readNamespaceTokens(home: string): NamespaceToken[] {
  const file = tokensFile(home);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NamespaceToken[]) : [];
}

/** Makes a token for a namespace, keeps its hash (mode 600) and returns the token with the file it went to. */
export function addNamespaceToken(home: string, namespace: string): { token: string; file: string } {
  const token = newToken();
  const tokens = [...readNamespaceTokens(home), { namespace, sha256: tokenHash(token) }];
  mkdirSync(home, { recursive: true });
  writeFileSync(tokensFile(home), `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return { token, file: tokensFile(home) };
}

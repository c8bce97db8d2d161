import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Role = 'viewer' | 'operator';

/** One operator token as configured: its name (the audit trail's actor), role and SHA-256 digest. */
export interface OperatorToken {
  readonly name: string;
  readonly role: Role;
  /** Hex. */
  readonly sha256: string;
}

const entryPattern = /^([A-Za-z0-9][\w.@-]{0,63}):(viewer|operator):sha256:([0-9a-f]{64})$/;

/**
 * Parses `ADMIN_TOKENS`: entries `name:role:sha256:<hex digest of the token>`, separated by commas or
 * new lines (a mounted file). Only digests are configured: the tokens themselves are random strings
 * (`openssl rand -hex 32`), so a fast hash suffices and a leaked configuration grants nothing.
 * Throws naming the bad entry by position (never echoing it: it could be a token pasted by mistake).
 */
export function parseOperatorTokens(raw: string): OperatorToken[] {
  const entries = raw.split(/[\n,]/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const tokens = entries.map((entry, index) => {
    const match = entryPattern.exec(entry);
    if (!match) throw new Error(`entry ${index + 1} is not name:role:sha256:<64 hex digits> (role viewer or operator)`);
    return { name: match[1] as string, role: match[2] as Role, sha256: match[3] as string };
  });
  const names = tokens.map((t) => t.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new Error(`two entries are named ${repeated}`);
  return tokens;
}

export const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** A random token for the local CLI (written to the data directory, never logged). */
export const newLocalToken = (): string => randomBytes(32).toString('base64url');

/**
 * Finds the token's entry. Compares the presented token's digest with every entry in constant time
 * (and always all of them), so neither timing nor position tells anything about a near miss.
 */
export function verifyToken(tokens: readonly OperatorToken[], presented: string): OperatorToken | undefined {
  const candidate = digest(presented);
  let found: OperatorToken | undefined;
  for (const token of tokens) if (timingSafeEqual(candidate, Buffer.from(token.sha256, 'hex')) && found === undefined) found = token;
  return found;
}

export const mayAct = (role: Role, needs: Role): boolean => needs === 'viewer' || role === 'operator';

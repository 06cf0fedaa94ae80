/**
 * Private streams: with a read secret (HS256) or a public key (RS256 / ES256), a viewer must present
 * a JWT whose `streams` claim covers every token it asks for (exact names, or prefixes ending in
 * `*`) and whose `exp` is in the future. App backends mint them with `signReadToken`.
 */
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { READ_TOKEN_CLOCK_TOLERANCE_S, MIN_READ_SECRET_BYTES } from '../constants.js';

/** What a valid read token lets its holder read, and until when. */
export interface ReadGrant {
  streams: readonly string[];
  /** When the token expires, in ms since the Unix epoch. */
  expiresAt: number;
}

/** Why a viewer may not read: 401 (no valid token) or 403 (a token it may not read). */
export interface ReadRefusal {
  status: 401 | 403;
  code: 'unauthorized' | 'forbidden';
  reason: string;
}

/** A read secret or key that cannot be used (too short, not a key): the relay refuses to start. */
export class ReadKeyError extends Error {}

/** True when a `streams` entry covers a token: the same name, or a prefix ending in `*`. */
export function streamsCover(streams: readonly string[], token: string): boolean {
  return streams.some((s) => (s.endsWith('*') ? token.startsWith(s.slice(0, -1)) : s === token));
}

function secretKey(secret: string): KeyObject {
  if (Buffer.byteLength(secret) < MIN_READ_SECRET_BYTES)
    throw new ReadKeyError(
      `the read secret must be at least ${MIN_READ_SECRET_BYTES} bytes (make one with: openssl rand -base64 32)`,
    );
  return createSecretKey(Buffer.from(secret));
}

function algorithmOf(key: KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new ReadKeyError(
    `read keys must be RSA (RS256) or EC P-256 (ES256), got ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}`,
  );
}

export class ReadAccess {
  readonly #key: KeyObject;
  readonly #algorithm: 'HS256' | 'RS256' | 'ES256';

  private constructor(key: KeyObject, algorithm: 'HS256' | 'RS256' | 'ES256') {
    this.#key = key;
    this.#algorithm = algorithm;
  }

  /** HS256 with a shared secret (at least 32 bytes). */
  static fromSecret(secret: string): ReadAccess {
    return new ReadAccess(secretKey(secret), 'HS256');
  }

  /** RS256 or ES256 (by the key's type) with a PEM public key; the app backend keeps the private key. */
  static fromPublicKey(pem: string | Buffer): ReadAccess {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new ReadKeyError(`not a PEM public key (${(error as Error).message})`);
    }
    return new ReadAccess(key, algorithmOf(key));
  }

  get algorithm(): string {
    return this.#algorithm;
  }

  /** Checks a presented JWT: a grant, or a 401 refusal saying why (never throws). */
  async verify(jwt: string | undefined): Promise<ReadGrant | ReadRefusal> {
    if (jwt === undefined || jwt === '')
      return unauthorized(
        'this relay needs a read token: send it as Authorization: Bearer or as the access_token parameter',
      );
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.#key, {
        algorithms: [this.#algorithm],
        requiredClaims: ['exp'],
        clockTolerance: READ_TOKEN_CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return unauthorized('the read token has expired');
      if (error instanceof errors.JWSSignatureVerificationFailed)
        return unauthorized('the read token has a bad signature');
      if (error instanceof errors.JOSEAlgNotAllowed)
        return unauthorized(`the read token must be signed with ${this.#algorithm}`);
      if (error instanceof errors.JWTClaimValidationFailed)
        return unauthorized(`the read token's ${error.claim} claim is missing or wrong`);
      return unauthorized('the read token is not a valid JWT');
    }
    const streams = payload['streams'];
    if (!Array.isArray(streams) || !streams.every((s): s is string => typeof s === 'string'))
      return unauthorized('the read token has no streams claim (a list of tokens it may read)');
    return { streams, expiresAt: (payload.exp as number) * 1000 };
  }

  /** Null when the grant covers every token, else a 403 naming the first one it does not. */
  static check(grant: ReadGrant, tokens: readonly string[]): ReadRefusal | null {
    const denied = tokens.find((token) => !streamsCover(grant.streams, token));
    return denied === undefined
      ? null
      : { status: 403, code: 'forbidden', reason: `the read token does not cover "${denied}"` };
  }
}

function unauthorized(reason: string): ReadRefusal {
  return { status: 401, code: 'unauthorized', reason };
}

export function isRefusal(value: ReadGrant | ReadRefusal): value is ReadRefusal {
  return 'status' in value;
}

export interface ReadTokenClaims {
  /** Tokens the holder may read: exact names, or prefixes ending in `*`. */
  streams: readonly string[];
  /** Seconds from now, or a span like `30m`, `1h`, `7d`. */
  expiresIn: number | string;
}

/**
 * Mints a read token for a viewer (in an app backend, after it has checked who the user is): HS256
 * with the relay's `--read-secret`, or RS256 / ES256 with the private key of its `--read-public-key`.
 */
export async function signReadToken(claims: ReadTokenClaims, key: string | KeyObject): Promise<string> {
  if (!Array.isArray(claims.streams) || claims.streams.length === 0 || !claims.streams.every((s) => s !== ''))
    throw new TypeError('signReadToken: streams must list at least one token or prefix*');
  let signingKey: KeyObject;
  let algorithm: string;
  if (typeof key === 'string' && key.includes('-----BEGIN')) key = createPrivateKey(key);
  if (typeof key === 'string') {
    signingKey = secretKey(key);
    algorithm = 'HS256';
  } else if (key.type === 'private') {
    signingKey = key;
    algorithm = algorithmOf(key);
  } else if (key.type === 'secret') {
    signingKey = key;
    algorithm = 'HS256';
  } else {
    throw new TypeError('signReadToken: sign with the read secret or a private key, not a public key');
  }
  const expiresIn = claims.expiresIn;
  if (typeof expiresIn === 'number' && !(expiresIn > 0))
    throw new TypeError('signReadToken: expiresIn must be a positive number of seconds or a span like 1h');
  return new SignJWT({ streams: [...claims.streams] })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000 + expiresIn) : expiresIn)
    .sign(signingKey);
}

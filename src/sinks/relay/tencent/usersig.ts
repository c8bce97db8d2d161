import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * The admin UserSig every REST call carries (TLSSigAPIv2, https://cloud.tencent.com/document/product/269/32688):
 * HMAC-SHA256 with the app key over the `TLS.identifier`, `TLS.sdkappid`, `TLS.time` and `TLS.expire`
 * lines, put with those fields into a JSON document that is zlib-deflated and written in Tencent's
 * base64 variant (`+`→`*`, `/`→`-`, `=`→`_`). Made as Tencent's own libraries make it (their Node
 * library is the oracle of the tests); it is not fetched, so no request is spent on it.
 */
export function userSig(sdkAppId: number, identifier: string, secretKey: string, nowSeconds: number, expireSeconds: number): string {
  const lines = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${nowSeconds}\nTLS.expire:${expireSeconds}\n`;
  const sig = createHmac('sha256', secretKey).update(lines).digest('base64');
  const doc = { 'TLS.ver': '2.0', 'TLS.identifier': identifier, 'TLS.sdkappid': sdkAppId, 'TLS.time': nowSeconds, 'TLS.expire': expireSeconds, 'TLS.sig': sig };
  return deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replaceAll('+', '*').replaceAll('/', '-').replaceAll('=', '_');
}

/**
 * The admin UserSig, kept and made anew at half its life, or when Tencent says it is expired or
 * invalid. The secret key appears in no message.
 */
export interface UserSigs {
  /** A UserSig for the admin identifier, valid for at least half its lifetime. */
  get(): string;
  /** Tencent refused `sig` (expired, invalid): the next `get` makes a new one (once per refused sig). */
  invalidate(sig: string): void;
}

export interface UserSigOptions {
  readonly sdkAppId: number;
  readonly identifier: string;
  readonly secretKey: string;
  readonly ttlSeconds: number;
  readonly clock: () => number;
}

export function createUserSigs(options: UserSigOptions): UserSigs {
  let current: { sig: string; renewAt: number } | undefined;
  return {
    get() {
      const now = options.clock();
      if (!current || now >= current.renewAt) {
        current = { sig: userSig(options.sdkAppId, options.identifier, options.secretKey, Math.floor(now / 1000), options.ttlSeconds), renewAt: now + (options.ttlSeconds * 1000) / 2 };
      }
      return current.sig;
    },
    invalidate(sig) {
      if (current?.sig === sig) current = undefined;
    },
  };
}

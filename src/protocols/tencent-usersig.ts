import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * A Tencent Cloud IM UserSig (TLSSigAPIv2, https://cloud.tencent.com/document/product/269/32688) for
 * `identifier`, valid `expireSeconds` from `nowSeconds`: HMAC-SHA256 with the app's secret key over
 * the `TLS.identifier`, `TLS.sdkappid`, `TLS.time` and `TLS.expire` lines, put with those fields into a
 * JSON document that is zlib-deflated and written in Tencent's base64 variant (`+`→`*`, `/`→`-`,
 * `=`→`_`). Every REST call (sends, history queries) carries the App admin's in `usersig`. Made as
 * Tencent's own libraries make it (their Node library is the oracle of the tests).
 */
export function tencentUserSig(sdkAppId: number, identifier: string, secretKey: string, nowSeconds: number, expireSeconds: number): string {
  const lines = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${nowSeconds}\nTLS.expire:${expireSeconds}\n`;
  const sig = createHmac('sha256', secretKey).update(lines).digest('base64');
  const doc = { 'TLS.ver': '2.0', 'TLS.identifier': identifier, 'TLS.sdkappid': sdkAppId, 'TLS.time': nowSeconds, 'TLS.expire': expireSeconds, 'TLS.sig': sig };
  return deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replaceAll('+', '*').replaceAll('/', '-').replaceAll('=', '_');
}

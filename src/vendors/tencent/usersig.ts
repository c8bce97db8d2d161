import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * A Tencent Cloud IM UserSig (TLSSigAPIv2) for `identifier`, valid `expireSeconds` from `nowSeconds`:
 * HMAC-SHA256 with the app's secret key over the identifier, app, time and expiry, put in a JSON
 * document with them, zlib-deflated and base64-encoded with `+/=` replaced by `*-_`. The REST API
 * (history queries too) takes the App admin's UserSig in the `usersig` query parameter.
 * Source: tencentyun/tls-sig-api-v2-node TLSSigAPIv2.js; https://www.tencentcloud.com/document/product/1047/34385
 */
export function tencentUserSig(sdkAppId: number, key: string, identifier: string, nowSeconds: number, expireSeconds: number): string {
  const signed = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${nowSeconds}\nTLS.expire:${expireSeconds}\n`;
  const sig = createHmac('sha256', key).update(signed).digest('base64');
  const doc = { 'TLS.ver': '2.0', 'TLS.identifier': identifier, 'TLS.sdkappid': sdkAppId, 'TLS.time': nowSeconds, 'TLS.expire': expireSeconds, 'TLS.sig': sig };
  return deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

import type { RoamMessage } from './roam-history';

/**
 * The `C2C.CallbackAfterSendMsg` body the callback would have carried for a message read from the
 * roaming history: the vendor mapping then gives it the same event id (SdkAppid + sender + recipient +
 * MsgKey), attributes and neutral message. A message in the history was sent, so `SendMsgResult` is
 * 0. The history has no client `MsgId`, `OnlineOnlyFlag` (online-only messages are not roamed),
 * `UnreadMsgNum` or `EventTime`, so those stay absent.
 */
export function c2cCallbackBody(message: RoamMessage): Record<string, unknown> {
  return {
    CallbackCommand: 'C2C.CallbackAfterSendMsg',
    From_Account: message.From_Account,
    To_Account: message.To_Account,
    MsgSeq: message.MsgSeq,
    MsgRandom: message.MsgRandom,
    MsgTime: message.MsgTimeStamp,
    MsgKey: message.MsgKey,
    SendMsgResult: 0,
    MsgBody: message.MsgBody,
    CloudCustomData: message.CloudCustomData ?? '',
  };
}

/** The query of that callback (the mapping reads the app and the command from it). */
export function c2cCallbackQuery(sdkAppId: string): URLSearchParams {
  return new URLSearchParams({ SdkAppid: sdkAppId, CallbackCommand: 'C2C.CallbackAfterSendMsg', contenttype: 'json' });
}

import type { GroupHistoryMessage } from './group-history';

/**
 * The `Group.CallbackAfterSendMsg` body the callback would have carried for a message read from the
 * group history: the vendor mapping then gives it the same event id (SdkAppid + GroupId + MsgSeq),
 * attributes and neutral message. The history has no client `MsgId`, `Type` or `EventTime`, so
 * those stay absent (the event's `msgid` attribute and the neutral message's clientMessageId too).
 */
export function groupCallbackBody(groupId: string, message: GroupHistoryMessage): Record<string, unknown> {
  return {
    CallbackCommand: 'Group.CallbackAfterSendMsg',
    GroupId: groupId,
    From_Account: message.From_Account,
    Operator_Account: '',
    Random: message.MsgRandom,
    MsgSeq: message.MsgSeq,
    MsgTime: message.MsgTimeStamp,
    MsgBody: message.MsgBody,
    CloudCustomData: message.CloudCustomData ?? '',
  };
}

/** The query of that callback (the mapping reads the app and the command from it). */
export function groupCallbackQuery(sdkAppId: number): URLSearchParams {
  return new URLSearchParams({ SdkAppid: String(sdkAppId), CallbackCommand: 'Group.CallbackAfterSendMsg', contenttype: 'json' });
}

/**
 * Callback commands documented by Tencent IM (https://cloud.tencent.com/document/product/269/1523).
 * Used to keep the `command` metric label to a closed set; any other command still becomes an event.
 */
export const knownCommands = new Set([
  'C2C.CallbackBeforeSendMsg',
  'C2C.CallbackAfterSendMsg',
  'C2C.CallbackAfterMsgReport',
  'C2C.CallbackAfterMsgWithDraw',
  'C2C.CallbackAfterC2CMsgExtension',
  'Bot.OnC2CMessage',
  'Bot.OnGroupMessage',
  'Group.CallbackBeforeSendMsg',
  'Group.CallbackAfterSendMsg',
  'Group.CallbackSendMsgException',
  'Group.CallbackAfterRecallMsg',
  'Group.CallbackBeforeCreateGroup',
  'Group.CallbackAfterCreateGroup',
  'Group.CallbackBeforeApplyJoinGroup',
  'Group.CallbackBeforeInviteJoinGroup',
  'Group.CallbackAfterNewMemberJoin',
  'Group.CallbackAfterMemberExit',
  'Group.CallbackAfterGroupFull',
  'Group.CallbackAfterGroupDestroyed',
  'Group.CallbackAfterGroupInfoChanged',
  'Group.CallbackAfterChangeGroupOwner',
  'Group.CallbackAfterMemberFieldChanged',
  'Group.CallbackAfterGroupAttrChanged',
  'Group.CallbackOnMemberStateChange',
  'Group.CallbackOnDailyGroupQuotaAlarm',
  'State.StateChange',
  'Profile.CallbackPortraitSet',
  'Sns.CallbackPrevFriendAdd',
  'Sns.CallbackPrevFriendResponse',
  'Sns.CallbackFriendAdd',
  'Sns.CallbackFriendDelete',
  'Sns.CallbackBlackListAdd',
  'Sns.CallbackBlackListDelete',
  'Alert.RequestOverLimit',
]);

/** The metric label for a command: the command itself when documented, else `other`. */
export function commandLabel(command: string | undefined): string {
  return command !== undefined && knownCommands.has(command) ? command : 'other';
}

/**
 * Commands whose reply decides what happens to a user's action (`*.CallbackBefore*`, `*.CallbackPrev*`).
 * The gateway only observes: it always answers them "allow", even when it fails itself.
 */
export function isBeforeCallback(command: string | undefined): boolean {
  return command !== undefined && /\.Callback(Before|Prev)/.test(command);
}

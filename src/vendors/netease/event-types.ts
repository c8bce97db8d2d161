/**
 * NetEase message-delivery event types (protocols/netease.md §4). The names are the metric `command`
 * labels and the CloudEvents `type` suffix; an eventType without a name is `other` (and keeps its number
 * in the `eventtype` attribute). 5, 6 and 13 come from community constants, 83 and 84 from the official
 * list; they are named but passed through untyped.
 */
export const eventTypeNames = {
  '1': 'conversation',
  '2': 'login',
  '3': 'logout',
  '4': 'chatroom_message',
  '5': 'av_duration',
  '6': 'av_recording',
  '7': 'p2p_recall',
  '8': 'team_recall',
  '9': 'chatroom_member',
  '10': 'phone_call',
  '11': 'sms_receipt',
  '12': 'sms_reply',
  '13': 'av_room_member',
  '14': 'chatroom_queue',
  '20': 'antispam_result',
  '25': 'super_team_recall',
  '30': 'p2p_read_receipt',
  '31': 'signalling',
  '36': 'upload_task',
  '42': 'heartbeat',
  '83': 'callback_failure',
  '84': 'login_failure',
} as const;

export type EventTypeName = (typeof eventTypeNames)[keyof typeof eventTypeNames];

/** `probe`: the signed console check; `unknown`: not known yet (before the body is read, or no eventType). */
export const neteaseLabels: readonly string[] = [...Object.values(eventTypeNames), 'other', 'probe', 'unknown'];

export function eventTypeName(eventType: string): EventTypeName | 'other' {
  return Object.hasOwn(eventTypeNames, eventType) ? eventTypeNames[eventType as keyof typeof eventTypeNames] : 'other';
}

/** The conversation message types (convType PERSON, TEAM, SUPER_TEAM; chat rooms use the same set). */
export const messageTypes = [
  'TEXT',
  'PICTURE',
  'AUDIO',
  'VIDEO',
  'LOCATION',
  'NOTIFICATION',
  'FILE',
  'TIPS',
  'CUSTOM',
  'NRTC_NETCALL',
  'NETCALL_AUDIO',
  'NETCALL_VEDIO',
  'DATATUNNEL_NEW',
] as const;

/** System notification types (convType CUSTOM_PERSON, CUSTOM_TEAM). */
export const notificationTypes = [
  'FRIEND_ADD',
  'FRIEND_DELETE',
  'CUSTOM_P2P_MSG',
  'TEAM_APPLY',
  'TEAM_APPLY_REJECT',
  'TEAM_INVITE',
  'TEAM_INVITE_REJECT',
  'CUSTOM_TEAM_MSG',
  'SUPERTEAM_APPLY',
  'SUPERTEAM_APPLY_REJECT',
  'SUPERTEAM_INVITE',
  'SUPERTEAM_INVITE_REJECT',
  'CUSTOM_SUPERTEAM_MSG',
  'TLIST_UPDATE',
] as const;

const knownMsgTypes: ReadonlySet<string> = new Set<string>([...messageTypes, ...notificationTypes]);

/** A msgType as a bounded metric label. */
export function msgTypeLabel(msgType: string): string {
  return knownMsgTypes.has(msgType) ? msgType : 'other';
}

/** Client types NetEase reports (`fromClientType`, `clientType`); others count as `other`. */
const clientTypes: ReadonlySet<string> = new Set(['AOS', 'IOS', 'PC', 'WEB', 'REST', 'MAC', 'HARMONY', 'WINPHONE']);

export function platformLabel(clientType: string | undefined): string {
  if (clientType === undefined) return 'none';
  return clientTypes.has(clientType) ? clientType : 'other';
}

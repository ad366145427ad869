/**
 * English messages: the source catalog. Keys are grouped by screen. Placeholders are
 * `{name}`. The exact English wording of labels marked "test name" is relied on by
 * end-to-end tests: change them only together with the tests (a unit test checks that
 * every name the journeys use is still in this catalog). Recording and sharing keep
 * their strings in their own files, spread in here.
 */
import { recordingEn } from './messages-recording';
import { shareEn } from './messages-share';

export const en = {
  ...recordingEn,
  ...shareEn,
  'app.name': 'meshmeet',
  'app.tagline': 'Video calls in your browser, peer to peer.',
  'app.language': 'Language',

  'lobby.title': 'Ready to join?',
  'lobby.room': 'Room', // test name
  'lobby.roomPlaceholder': 'e.g. team-standup',
  'lobby.name': 'Name', // test name
  'lobby.namePlaceholder': 'How others will see you',
  'lobby.password': 'Password',
  'lobby.passwordHint': 'Only if the room has one. The first person to join sets it.',
  'lobby.join': 'Join', // test name
  'lobby.joining': 'Joining…',
  'lobby.receiveOnly': 'You will join without camera and microphone: you can still see and hear everyone.',
  'lobby.settings': 'Device settings',
  'lobby.previewOff': 'Camera is off',
  'lobby.startingDevices': 'Starting camera and microphone…',
  'lobby.retry': 'Try again',
  'lobby.roomRequired': 'Enter a room name.',
  'lobby.nameRequired': 'Enter your name.',
  'lobby.tooLong': 'At most {max} characters.',
  'lobby.passwordTooShort': 'A room password needs at least {min} characters.',

  'devices.camera': 'Camera',
  'devices.microphone': 'Microphone',
  'devices.speaker': 'Speaker',
  'devices.systemDefault': 'System default',
  'devices.none': 'None found',
  'devices.speakerUnsupported': 'This browser plays sound on the system default output.',
  'devices.resolution': 'Resolution',
  'devices.frameRate': 'Frame rate',
  'devices.fps': '{n} fps',
  'devices.facing': 'Camera side',
  'devices.facingUser': 'Front',
  'devices.facingEnvironment': 'Back',
  'devices.facingAny': 'Any',
  'devices.echoCancellation': 'Echo cancellation',
  'devices.noiseSuppression': 'Noise suppression',
  'devices.autoGainControl': 'Automatic gain',
  'devices.video': 'Video',
  'devices.audio': 'Audio',

  'media.permission-denied.video': 'Camera access is blocked.',
  'media.permission-denied.audio': 'Microphone access is blocked.',
  'media.permission-denied.fix':
    'Click the camera icon or the lock in the address bar, allow access for this site, then press "Try again".',
  'media.no-device.video': 'No camera found.',
  'media.no-device.audio': 'No microphone found.',
  'media.no-device.fix': 'Connect one and press "Try again", or join anyway to watch and listen.',
  'media.device-busy.video': 'The camera is in use by another application.',
  'media.device-busy.audio': 'The microphone is in use by another application.',
  'media.device-busy.fix': 'Close other apps or tabs that use it (video calls, recorders), then press "Try again".',
  'media.overconstrained.video': 'The camera cannot deliver the chosen settings.',
  'media.overconstrained.audio': 'The microphone cannot deliver the chosen settings.',
  'media.overconstrained.fix': 'Choose a lower resolution or frame rate, or another device.',
  'media.insecure-context.video': 'The camera needs a secure page.',
  'media.insecure-context.audio': 'The microphone needs a secure page.',
  'media.insecure-context.fix': 'Open this site over https:// (or on localhost).',
  'media.device-lost.video': 'The camera was disconnected.',
  'media.device-lost.audio': 'The microphone was disconnected.',
  'media.device-lost.fix': 'Reconnect it or choose another device in the settings.',
  'media.unknown.video': 'The camera could not be started.',
  'media.unknown.audio': 'The microphone could not be started.',
  'media.unknown.fix': 'Press "Try again", or join without it.',
  'media.lowerResolution': 'Use {resolution}',

  'controls.muteMic': 'Mute microphone', // test name
  'controls.unmuteMic': 'Unmute microphone', // test name
  'controls.camOff': 'Turn camera off', // test name
  'controls.camOn': 'Turn camera on', // test name
  'controls.leave': 'Leave', // test name
  'controls.devices': 'Devices',
  'controls.chat': 'Chat',
  'controls.people': 'People',
  'controls.invite': 'Copy invite link',
  'controls.inviteCopied': 'Invite link copied',
  'controls.inviteCopyFailed': 'Copy this link:',
  'controls.toolbar': 'Call controls',
  'controls.more': 'More',
  'controls.recordings': 'Recordings',
  'controls.close': 'Close',
  'controls.switchCamera': 'Switch camera',

  'call.joining': 'Joining {room}…',
  'call.reconnecting': 'Connection lost. Reconnecting…',
  'call.alone': 'You are the only one here. Share the invite link to bring people in.',
  'call.you': '{name} (you)',
  'call.micOff': 'Microphone off',
  'call.camOff': 'Camera off',
  'call.speaking': 'Speaking',
  'call.screenOf': '{name} is presenting',
  'call.connecting': 'Connecting…',
  'call.connectionFailed': 'Connection problem',
  'call.enableSound': 'Enable sound',
  'call.soundBlocked': 'Your browser blocked sound from the call.',
  'call.participants': '{n} in the call',
  'call.protected': 'Password protected',
  'call.protectedHint': 'Only people who know the password can join this room.',
  'call.open': 'No password',
  'call.openHint': 'Anyone who knows the room name can join. Create a room with a new name and a password for a private call.',
  'call.roomLabel': 'Room {room}',

  'chat.title': 'Chat',
  'chat.empty': 'No messages yet. Say hello!',
  'chat.placeholder': 'Message everyone',
  'chat.send': 'Send',
  'chat.failed': 'Message not sent: {reason}',

  'stats.title': 'People and connections',
  'stats.details': 'Connection details',
  'stats.hide': 'Hide details',
  'stats.rtt': 'Round trip',
  'stats.bitrateIn': 'Receiving',
  'stats.bitrateOut': 'Sending',
  'stats.loss': 'Packet loss',
  'stats.route': 'Route',
  'stats.direct': 'Direct',
  'stats.relayed': 'Relayed (TURN)',
  'stats.unknown': '—',
  'stats.state': 'State',
  'stats.unavailable': 'No statistics yet.',
  'stats.videoSent': 'Your video to them',
  'stats.videoSentValue': '{height}p at {fps} fps, {kbps}',
  'stats.videoPausedOut': 'paused',
  'budget.none': 'full quality',
  'budget.uplink': 'limited by your upload',
  'budget.cpu': 'limited by your CPU',
  'budget.receiver': 'the other side shows you small',
  'budget.receiver-off': 'the other side turned incoming video off',
  'budget.room': 'shared among everyone in the room',
  'budget.data-saver': 'you chose "Send less video"',
  'budget.share': 'your screen share goes first',
  'budget.pausedIn': 'Video paused: {reason}',
  'budget.in.uplink': 'their upload is too slow',
  'budget.in.cpu': 'their computer is too busy',
  'budget.in.receiver-off': 'you turned incoming video off',
  'budget.in.other': 'too little bandwidth',
  'budget.incomingOff': 'Stop incoming video',
  'budget.dataSaver': 'Send less video',

  'security.explain':
    'Security codes: read the code next to a person aloud and ask them to read the one they see next to your name. If the two match, the sound and video between you two are encrypted end to end: no one in between, not even the server, can see or hear them.',
  'security.code': 'Security code',
  'security.pending': 'Shown once connected',

  'left.title': 'You left the call',
  'left.rejoin': 'Rejoin',
  'left.home': 'Back to start',
  'left.kicked': 'The call ended: {reason}',

  'error.ROOM_FULL': 'This room is full. Try again later or pick another room.',
  'error.BAD_PASSWORD': 'Wrong password for this room. Check it with whoever invited you.',
  'error.SESSION_REPLACED': 'This call continued in another tab or window, so it ended here. Close this page, or join again here to move the call back.',
  'error.ROOM_NOT_PROTECTED':
    'This room already exists without a password, so a password would protect nothing. Join without one if you meant this open room, or pick another room name to create a private one.',
  'error.ROOM_LIMIT': 'Too many new rooms were opened from your network. Join an existing room, or try again later.',
  'error.INVALID_PAYLOAD': 'The server did not accept that: {message}',
  'error.PAYLOAD_TOO_LARGE': 'That was too large to send.',
  'error.UNSUPPORTED_VERSION': 'This page is out of date. Reload it to get the current version.',
  'error.ALREADY_IN_ROOM': 'You are already in a room in this tab.',
  'error.RATE_LIMITED': 'Too many attempts (or wrong passwords) in a short time. Wait a minute, then try again.',
  'error.UNAVAILABLE': 'The server is unavailable right now. Try again in a moment.',
  'error.RESUME_FAILED': 'Your place in the call expired. Join again.',
  'error.unreachable': 'Cannot reach the server. Check your connection and try again.',
  'error.generic': 'Something went wrong: {message}',
} as const;

/** A message key. */
export type MessageKey = keyof typeof en;

/** A full catalog: every key, every language. */
export type Messages = Readonly<Record<MessageKey, string>>;

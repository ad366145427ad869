import { describe, expect, it } from 'vitest';
import { canSwitchFacing, classifyDevices, classifyMediaError, enumerateDevices, missingMediaDevicesError, supportsSpeakerSelection } from './devices';

const dev = (kind: MediaDeviceKind, deviceId: string, label = '', groupId = 'g'): MediaDeviceInfo =>
  ({ kind, deviceId, label, groupId, toJSON: () => ({}) }) as MediaDeviceInfo;

/** Makes an error shaped like the DOMException a browser rejects getUserMedia with. */
const domError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name }, extra);

describe('classifyDevices', () => {
  it('sorts devices by kind and keeps real labels', () => {
    const lists = classifyDevices([
      dev('videoinput', 'c1', 'HD Camera'),
      dev('audioinput', 'm1', 'USB Mic'),
      dev('audiooutput', 's1', 'Headphones'),
      dev('audioinput', 'm2', 'Built-in Mic'),
    ]);
    expect(lists.cameras.map((d) => d.label)).toEqual(['HD Camera']);
    expect(lists.microphones.map((d) => d.deviceId)).toEqual(['m1', 'm2']);
    expect(lists.speakers.map((d) => d.label)).toEqual(['Headphones']);
    expect(lists.labelled).toBe(true);
  });

  it('numbers unlabelled devices (before permission) and drops duplicates', () => {
    const lists = classifyDevices(
      [dev('videoinput', ''), dev('videoinput', ''), dev('audioinput', ''), dev('audioinput', 'x')],
      (kind, i) => `${kind}#${i}`,
    );
    expect(lists.cameras).toHaveLength(1);
    expect(lists.microphones.map((d) => d.label)).toEqual(['audioinput#1', 'audioinput#2']);
    expect(lists.labelled).toBe(false);
  });
});

describe('enumerateDevices', () => {
  it('returns empty lists when the API is missing (insecure context)', async () => {
    const lists = await enumerateDevices(undefined);
    expect(lists).toEqual({ cameras: [], microphones: [], speakers: [], labelled: false });
  });

  it('classifies what the browser returns', async () => {
    const lists = await enumerateDevices({ enumerateDevices: async () => [dev('videoinput', 'c', 'Cam')] });
    expect(lists.cameras).toEqual([{ deviceId: 'c', groupId: 'g', label: 'Cam' }]);
  });
});

describe('classifyMediaError', () => {
  it.each([
    ['NotAllowedError', 'permission-denied'],
    ['PermissionDeniedError', 'permission-denied'],
    ['SecurityError', 'permission-denied'],
    ['NotFoundError', 'no-device'],
    ['DevicesNotFoundError', 'no-device'],
    ['NotReadableError', 'device-busy'],
    ['TrackStartError', 'device-busy'],
    ['AbortError', 'device-busy'],
    ['OverconstrainedError', 'overconstrained'],
    ['TypeError', 'unknown'],
  ])('%s → %s', (name, kind) => {
    const info = classifyMediaError(domError(name));
    expect(info.kind).toBe(kind);
    expect(info.name).toBe(name);
    expect(info.message).toBe(`${name} happened`);
  });

  it('keeps the constraint an OverconstrainedError names', () => {
    expect(classifyMediaError(domError('OverconstrainedError', { constraint: 'width' }))).toMatchObject({
      kind: 'overconstrained',
      constraint: 'width',
    });
  });

  it('copes with non-error rejections', () => {
    expect(classifyMediaError('nope')).toEqual({ kind: 'unknown', name: 'Error', message: 'nope' });
    expect(classifyMediaError(null).kind).toBe('unknown');
  });

  it('works with real DOMException objects', () => {
    expect(classifyMediaError(new DOMException('denied', 'NotAllowedError')).kind).toBe('permission-denied');
  });
});

describe('capability checks', () => {
  it('explains a missing mediaDevices by the context', () => {
    expect(missingMediaDevicesError(false).kind).toBe('insecure-context');
    expect(missingMediaDevicesError(true).kind).toBe('unknown');
  });

  it('detects setSinkId on the media element prototype', () => {
    expect(supportsSpeakerSelection({ setSinkId() {} })).toBe(true);
    expect(supportsSpeakerSelection({})).toBe(false);
    expect(supportsSpeakerSelection(undefined)).toBe(false);
  });

  it('detects a camera that reports its facing', () => {
    const track = (facingMode?: string[]) => ({ getCapabilities: () => ({ facingMode }) }) as unknown as MediaStreamTrack;
    expect(canSwitchFacing(track(['user']))).toBe(true);
    expect(canSwitchFacing(track([]))).toBe(false);
    expect(canSwitchFacing(track(undefined))).toBe(false);
    expect(canSwitchFacing(null)).toBe(false);
  });
});

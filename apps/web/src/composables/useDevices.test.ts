import { describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick } from 'vue';
import { useDevices } from './useDevices';

const dev = (kind: MediaDeviceKind, deviceId: string, label = ''): MediaDeviceInfo =>
  ({ kind, deviceId, label, groupId: 'g', toJSON: () => ({}) }) as MediaDeviceInfo;

/** A fake mediaDevices whose device list the test changes, firing `devicechange`. */
function fakeMediaDevices(initial: MediaDeviceInfo[]) {
  let list = initial;
  const target = new EventTarget();
  const md = {
    enumerateDevices: vi.fn(async () => list),
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: vi.fn(target.removeEventListener.bind(target)),
  };
  return {
    md,
    plug(next: MediaDeviceInfo[]) {
      list = next;
      target.dispatchEvent(new Event('devicechange'));
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await nextTick();
};

describe('useDevices', () => {
  it('lists devices at start and follows devicechange', async () => {
    const { md, plug } = fakeMediaDevices([dev('videoinput', 'c1', 'Cam')]);
    const scope = effectScope();
    const d = scope.run(() => useDevices({ navigator: { mediaDevices: md as unknown as MediaDevices }, speakerSelection: true }))!;
    await flush();
    expect(d.cameras.value.map((c) => c.label)).toEqual(['Cam']);
    expect(d.labelled.value).toBe(true);

    plug([dev('videoinput', 'c1', 'Cam'), dev('audioinput', 'm1', 'Headset')]);
    await flush();
    expect(d.microphones.value.map((m) => m.label)).toEqual(['Headset']);
    scope.stop();
    expect(md.removeEventListener).toHaveBeenCalledWith('devicechange', expect.any(Function));
  });

  it('names unlabelled devices with the fallback (before permission)', async () => {
    const { md } = fakeMediaDevices([dev('audioinput', '')]);
    const scope = effectScope();
    const d = scope.run(() =>
      useDevices({ navigator: { mediaDevices: md as unknown as MediaDevices }, fallbackLabel: (_k, i) => `Mic #${i}` }),
    )!;
    await flush();
    expect(d.microphones.value[0]?.label).toBe('Mic #1');
    expect(d.labelled.value).toBe(false);
    scope.stop();
  });

  it('reports no support without mediaDevices (insecure page)', () => {
    const scope = effectScope();
    const d = scope.run(() => useDevices({ navigator: {} }))!;
    expect(d.supported).toBe(false);
    expect(d.cameras.value).toEqual([]);
    scope.stop();
  });
});

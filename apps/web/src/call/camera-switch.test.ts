import { describe, expect, it } from 'vitest';
import { nextCamera } from './camera-switch';

const cams = [{ deviceId: 'front' }, { deviceId: 'usb' }, { deviceId: 'back' }];
const none = { facingMode: null, deviceId: null };

describe('nextCamera', () => {
  it('flips a phone camera that reports which way it faces', () => {
    expect(nextCamera({ facingMode: 'user' }, none, cams)).toEqual({ facingMode: 'environment', deviceId: null });
    expect(nextCamera({ facingMode: 'environment' }, { facingMode: 'environment', deviceId: null }, [])).toEqual({ facingMode: 'user', deviceId: null });
  });

  it('takes the next camera in the list after the one in use, wrapping round', () => {
    expect(nextCamera({ deviceId: 'front' }, none, cams)).toEqual({ facingMode: null, deviceId: 'usb' });
    expect(nextCamera({ deviceId: 'usb' }, { facingMode: null, deviceId: 'back' }, cams)).toEqual({ facingMode: null, deviceId: 'front' });
    // A track whose device is not listed starts from the first camera.
    expect(nextCamera({ deviceId: 'gone' }, none, cams)).toEqual({ facingMode: null, deviceId: 'front' });
  });

  it('has nothing to switch to with fewer than two cameras', () => {
    expect(nextCamera({ deviceId: 'front' }, none, [{ deviceId: 'front' }])).toBeNull();
    expect(nextCamera(undefined, none, [])).toBeNull();
  });
});

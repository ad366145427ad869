/** The camera choice that "Switch camera" changes in the capture settings. */
export interface CameraChoice {
  /** Which way a phone camera faces; null lets the browser pick. */
  facingMode: 'user' | 'environment' | null;
  /** A specific camera; null lets the browser pick. */
  deviceId: string | null;
}

/**
 * The camera to switch to. A phone reports which way its camera faces (`facingMode` in
 * the track's settings): flip it. A desktop does not: take the next camera in the list,
 * after the one in use (wrapping round). Returns null when there is nothing to switch to.
 *
 * @param current - the camera track's settings now (`track.getSettings()`), if any
 * @param chosen - the camera the settings ask for now
 * @param cameras - the cameras the browser lists, in order
 */
export function nextCamera(
  current: { facingMode?: string; deviceId?: string } | undefined,
  chosen: CameraChoice,
  cameras: readonly { deviceId: string }[],
): CameraChoice | null {
  const facing = current?.facingMode;
  if (facing === 'user' || facing === 'environment') {
    return { facingMode: facing === 'user' ? 'environment' : 'user', deviceId: chosen.deviceId };
  }
  if (cameras.length < 2) return null;
  const inUse = chosen.deviceId ?? current?.deviceId ?? '';
  const i = cameras.findIndex((c) => c.deviceId === inUse);
  const next = cameras[(i + 1) % cameras.length]!;
  return { facingMode: null, deviceId: next.deviceId };
}

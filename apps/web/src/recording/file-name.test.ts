import { describe, expect, it } from 'vitest';
import { formatStamp, recordingFileName, safeRoomPart } from './file-name.js';

describe('recording file names', () => {
  // Local-time constructor, so the test holds in any time zone.
  const at = new Date(2026, 0, 2, 3, 4, 5);

  it('formats YYYYMMDD-HHMMSS with zero padding', () => {
    expect(formatStamp(at)).toBe('20260102-030405');
    expect(formatStamp(new Date(2026, 11, 31, 23, 59, 59))).toBe('20261231-235959');
  });

  it('builds meshmeet-<room>-<stamp>.<ext>', () => {
    expect(recordingFileName('standup', at, 'webm')).toBe('meshmeet-standup-20260102-030405.webm');
    expect(recordingFileName('team', at, 'mp4')).toBe('meshmeet-team-20260102-030405.mp4');
  });

  it('keeps any script but strips path and reserved characters', () => {
    expect(safeRoomPart('会议室')).toBe('会议室');
    expect(safeRoomPart('../etc/passwd')).toBe('etc-passwd');
    expect(safeRoomPart('a b:c*d?"e<f>|g')).toBe('a-b-c-d-e-f-g');
    expect(safeRoomPart('  ')).toBe('recording');
    expect(safeRoomPart(null)).toBe('recording');
    expect([...safeRoomPart('房'.repeat(64))]).toHaveLength(40);
  });
});

import { describe, expect, it } from 'vitest';
import { toCodedError } from './coded-error';

describe('toCodedError', () => {
  it('keeps code and message of coded errors and wraps anything else', () => {
    expect(toCodedError(Object.assign(new Error('full'), { code: 'ROOM_FULL' }))).toEqual({ code: 'ROOM_FULL', message: 'full' });
    expect(toCodedError({ code: 'TIMEOUT', message: 'late' })).toEqual({ code: 'TIMEOUT', message: 'late' });
    expect(toCodedError(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(toCodedError('boom', 'CONNECT_FAILED')).toEqual({ code: 'CONNECT_FAILED', message: 'boom' });
  });
});

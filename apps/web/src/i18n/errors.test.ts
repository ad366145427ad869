import { describe, expect, it } from 'vitest';
import { setLocale } from './index';
import { callErrorMessage } from './errors';

describe('callErrorMessage', () => {
  it('explains a full room and a wrong password', () => {
    setLocale('en');
    expect(callErrorMessage({ code: 'ROOM_FULL', message: 'x' })).toMatch(/room is full/);
    expect(callErrorMessage({ code: 'BAD_PASSWORD', message: 'x' })).toMatch(/Wrong password/);
  });

  it('tells what to do about a password given for an open room, a room limit and too many attempts', () => {
    setLocale('en');
    expect(callErrorMessage({ code: 'ROOM_NOT_PROTECTED', message: 'x' })).toMatch(/without a password.*Join without one.*another room name/);
    expect(callErrorMessage({ code: 'ROOM_LIMIT', message: 'x' })).toMatch(/Join an existing room/);
    expect(callErrorMessage({ code: 'RATE_LIMITED', message: 'x' })).toMatch(/Wait a minute/);
    setLocale('zh-CN');
    expect(callErrorMessage({ code: 'ROOM_NOT_PROTECTED', message: 'x' })).toContain('没有密码');
    expect(callErrorMessage({ code: 'RATE_LIMITED', message: 'x' })).toContain('等一分钟');
    setLocale('en');
  });

  it('maps client network failures to one message', () => {
    expect(callErrorMessage({ code: 'CONNECT_FAILED', message: 'xhr poll error' })).toMatch(/Cannot reach the server/);
    expect(callErrorMessage({ code: 'TIMEOUT', message: '' })).toMatch(/Cannot reach the server/);
  });

  it("shows the server's message for codes without a dedicated text", () => {
    expect(callErrorMessage({ code: 'INVALID_PAYLOAD', message: 'Name must not be empty' })).toContain('Name must not be empty');
    expect(callErrorMessage({ code: 'SOMETHING_NEW', message: 'try later' })).toBe('Something went wrong: try later');
  });

  it('follows the language', () => {
    setLocale('zh-CN');
    expect(callErrorMessage({ code: 'ROOM_FULL', message: '' })).toContain('房间已满');
    setLocale('en');
  });
});

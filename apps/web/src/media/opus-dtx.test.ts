import { describe, expect, it } from 'vitest';
import { withOpusDtx } from './opus-dtx';

const chromiumAudio = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=rtpmap:96 VP8/90000',
  'a=fmtp:96 x-google-min-bitrate=100',
  '',
].join('\r\n');

describe('withOpusDtx', () => {
  it('adds usedtx=1 to the Opus format only, keeping CRLF line ends', () => {
    const out = withOpusDtx(chromiumAudio);
    expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n');
    expect(out).toContain('a=fmtp:63 111/111\r\n');
    expect(out).toContain('a=fmtp:96 x-google-min-bitrate=100\r\n');
    expect(out.split('\r\n')).toHaveLength(chromiumAudio.split('\r\n').length);
    expect(out.endsWith('\r\n')).toBe(true);
  });

  it('is idempotent and keeps an explicit usedtx=0', () => {
    const once = withOpusDtx(chromiumAudio);
    expect(withOpusDtx(once)).toBe(once);
    const refused = chromiumAudio.replace('useinbandfec=1', 'useinbandfec=1;usedtx=0');
    expect(withOpusDtx(refused)).toBe(refused);
  });

  it('handles Firefox-style Opus (case, parameters) and a format without an fmtp line', () => {
    const firefox = 'm=audio 9 UDP/TLS/RTP/SAVPF 109\na=rtpmap:109 OPUS/48000/2\na=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\n';
    expect(withOpusDtx(firefox)).toContain('a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1;usedtx=1\n');
    const bare = 'm=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\na=rtcp-fb:111 nack\n';
    expect(withOpusDtx(bare)).toBe('m=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\na=fmtp:111 usedtx=1\na=rtcp-fb:111 nack\n');
  });

  it('leaves a description without Opus unchanged', () => {
    const video = 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n';
    expect(withOpusDtx(video)).toBe(video);
  });
});

/**
 * Limits shared by client and server, so the client can refuse early what the
 * server would reject anyway. The server may be configured stricter, never looser
 * for the name rules.
 */
export const Limits = {
  /** Room names: 1..64 characters after trimming (Unicode code points). */
  roomNameMax: 64,
  /** Nicknames: 1..32 characters after trimming. */
  nickMax: 32,
  /** Room passwords: at least this many characters (a short one is guessed in minutes even when throttled). */
  passwordMin: 8,
  /** Room passwords: at most 128 characters. */
  passwordMax: 128,
  /** Chat messages: 1..1000 characters. */
  chatMax: 1000,
  /** Upper bound of one `signal.data` serialized as JSON, in bytes (SDP with many codecs is ~10 KB). */
  signalDataMaxBytes: 64 * 1024,
  /** Resume tokens are opaque strings of at most this many characters. */
  resumeTokenMax: 128,
} as const;

/** Everything a call tile shows; built by CallView from the call and local media. */
export interface TileModel {
  /** Unique per tile: `cam:<peerId>` or `share:<peerId>`. */
  key: string;
  peerId: string;
  name: string;
  stream: MediaStream | null;
  kind: 'camera' | 'screen';
  local: boolean;
  micOn: boolean;
  camOn: boolean;
  speaking: boolean;
  mirrored: boolean;
  connectionState?: RTCPeerConnectionState;
}

/** Side panels of the call view; `recordings` hosts the recording helper's panel. */
export type CallPanel = 'chat' | 'people' | 'devices' | 'recordings';

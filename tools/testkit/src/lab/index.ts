/**
 * @packageDocumentation
 * The network lab (`@meshmeet/testkit/lab`): Linux network namespaces that give each
 * browser participant its own shaped, lossy, NATed or cuttable link, the servers of a
 * call started in a namespace of their own, and an in-page media timeline for "did video
 * or audio ever stop" checks. Used by the `e2e/lab-*` journeys and by the mesh and
 * network benchmarks. Needs root (or a user namespace mapped to root), `ip`, `tc` and
 * `iptables`; see e2e/README.md for what the lab can and cannot emulate.
 */
export { LabCall, joinAndConnect, type LabCallOptions, type LabPerson } from './fixture.js';
export { Lab, SERVERS_ADDRESS, type LabParticipant, type LinkOptions, type Rate } from './lab.js';
export { launchChromiumIn, smallCameraFile, type LabChromiumOptions } from './chromium.js';
export {
  LAB_METRICS_TOKEN,
  startLabCoturn,
  startLabNginx,
  startLabRedis,
  startLabServer,
  type LabServerOptions,
  type LabService,
  type LabTurn,
} from './servers.js';
export { captureStalls, longestAudioBreak, longestStall, readMainThreadStalls, readMonitor, startMonitor, type AudioBreaks, type PeerSample, type Sample, type Span } from './monitor.js';
export { httpGetIn } from './shell.js';

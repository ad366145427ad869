/** Ports, child processes and condition waits now live in `@meshmeet/testkit`; kept for existing imports. */
export { FatalWaitError, freePort, scaled, startProcess, waitFor, waitForHttp, type Managed } from '@meshmeet/testkit';

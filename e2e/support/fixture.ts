/**
 * Per-file setup for the journeys: one server (plus coturn/redis when asked), one shared
 * Chromium, and participants opened on demand. `close()` stops everything and is safe to
 * call after a partial start, so `after(() => fx.close())` always cleans up.
 */
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, openParticipant, type Participant } from '@meshmeet/testkit/browser';
import { startCoturn, startRedis, startServer, type RedisHandle, type ServerHandle, type TurnHandle } from '@meshmeet/testkit/services';

/** Options for {@link createFixture}. */
export interface FixtureOptions {
  turn?: boolean;
  redis?: boolean;
}

/** A running test environment. */
export interface Fixture {
  server: ServerHandle;
  turn?: TurnHandle;
  browser: Browser;
  /** Opens a participant at `/?debug=1` plus `query` (e.g. `ice=relay`). */
  open(name: string, query?: string, browser?: Browser): Promise<Participant>;
  /** Launches an extra browser (e.g. one without fake devices), closed with the fixture. */
  launchExtraBrowser(opts: { fakeDevices: boolean; extraArgs?: string[] }): Promise<Browser>;
  participants: Participant[];
  /**
   * Closes every participant opened so far. For `afterEach`: on two cores, pages a
   * finished test left in a call keep encoding video and starve the next test's pages.
   */
  closeParticipants(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the services and the browser for one test file. */
export async function createFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const stops: (() => Promise<unknown>)[] = [];
  const participants: Participant[] = [];
  const close = async () => {
    await closeAll(participants);
    // Reverse start order: browsers first, then the server, then what it depends on.
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    let redis: RedisHandle | undefined;
    let turn: TurnHandle | undefined;
    if (opts.redis) {
      redis = await startRedis();
      stops.push(() => redis!.stop());
    }
    if (opts.turn) {
      turn = await startCoturn();
      stops.push(() => turn!.stop());
    }
    const server = await startServer({ redisUrl: redis?.url, turn });
    stops.push(() => server.stop());
    const browser = await launchBrowser();
    stops.push(() => browser.close());
    return {
      server,
      turn,
      browser,
      participants,
      async closeParticipants() {
        await closeAll(participants.splice(0));
      },
      async open(name, query, b = browser) {
        const url = `${server.url}/?debug=1${query ? `&${query}` : ''}`;
        const p = await openParticipant(b, url, name);
        participants.push(p);
        return p;
      },
      async launchExtraBrowser({ fakeDevices, extraArgs }) {
        const b = await launchBrowser({ fakeDevices, extraArgs });
        stops.push(() => b.close());
        return b;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Room names unique to this run live with the call helpers; kept here for existing imports. */
export { uniqueRoom } from '@meshmeet/testkit/call';

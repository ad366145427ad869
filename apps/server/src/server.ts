/**
 * Entry point (`node apps/server/dist/server.js` in production, `tsx src/server.ts` in
 * development). Reads the configuration, starts one node, and shuts it down gracefully on
 * SIGTERM/SIGINT.
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

/** A stuck shutdown must not keep a replaced node around forever. */
const FORCE_EXIT_AFTER_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`meshmeet: ${err.message}. See .env.example for every setting.`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }

  const { app, nodeId, servesWeb } = await buildApp(config);
  const address = await app.listen({ port: config.port, host: config.host });
  // Scripts wait for this line; print it even when the log level hides `info`.
  if (['warn', 'error', 'fatal', 'silent'].includes(config.logLevel)) console.log(`meshmeet listening on ${address}`);
  app.log.info(
    {
      node: nodeId,
      store: config.redisUrl ? 'redis' : 'memory',
      adapter: config.redisUrl ? config.socketioAdapter : 'none',
      web: servesWeb ? config.webDistDir : null,
      maxRoomSize: config.maxRoomSize,
    },
    `meshmeet listening on ${address}`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('meshmeet: failed to start:', err);
  process.exit(1);
});

/** The server, coturn and redis launchers now live in `@meshmeet/testkit`; kept for existing imports. */
export * from '@meshmeet/testkit/services';

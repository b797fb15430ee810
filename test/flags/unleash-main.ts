import { ApiTokenType, IAuthType, LogLevel, start } from 'unleash-server';

// A real Unleash server (the npm package, version 7.5) for the flag tests, run as a process of its own
// so that its signal handlers and timers never reach the test runner. Configured by the kit through the
// environment; prints one JSON line with its port once it serves.

const { UNLEASH_DATABASE, UNLEASH_ADMIN_TOKEN, UNLEASH_CLIENT_TOKEN } = process.env;
if (
  UNLEASH_DATABASE === undefined ||
  UNLEASH_ADMIN_TOKEN === undefined ||
  UNLEASH_CLIENT_TOKEN === undefined
) {
  throw new Error('UNLEASH_DATABASE, UNLEASH_ADMIN_TOKEN and UNLEASH_CLIENT_TOKEN must be set');
}
const environment = UNLEASH_CLIENT_TOKEN.slice(
  UNLEASH_CLIENT_TOKEN.indexOf(':') + 1,
  UNLEASH_CLIENT_TOKEN.indexOf('.'),
);

const unleash = await start({
  db: {
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    password: '',
    database: UNLEASH_DATABASE,
    ssl: false,
  },
  server: { host: '127.0.0.1', port: 0, gracefulShutdownEnable: false },
  logLevel: LogLevel.error,
  telemetry: false,
  versionCheck: { enable: false },
  authentication: {
    type: IAuthType.OPEN_SOURCE,
    enableApiToken: true,
    createAdminUser: false,
    initApiTokens: [
      {
        secret: UNLEASH_ADMIN_TOKEN,
        tokenName: 'rollout-guard',
        type: ApiTokenType.ADMIN,
        environment: '*',
        projects: ['*'],
      },
      {
        secret: UNLEASH_CLIENT_TOKEN,
        tokenName: 'sdk',
        type: ApiTokenType.CLIENT,
        environment,
        projects: ['*'],
      },
    ],
  },
});
const address = unleash.server?.address();
if (address === null || address === undefined || typeof address === 'string')
  throw new Error('Unleash is not listening on TCP');
console.log(JSON.stringify({ msg: 'unleash ready', port: address.port }));

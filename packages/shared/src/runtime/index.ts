export { type HealthDeps, healthRoutes } from './health-routes.ts';
export { type RunningService, type RunServiceOptions, runService } from './run-service.ts';
export { type HttpServer, startHttpServer } from './serve.ts';
export { handleShutdown, type ShutdownOptions, type ShutdownStep } from './shutdown.ts';

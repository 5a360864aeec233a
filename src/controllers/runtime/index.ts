// The controller runtime: what a controller needs to register and run.
export * from './types.ts';
export { Manager, type ManagerOptions, type ControllerOptions, type WatchSpec } from './manager.ts';
export { Informer, type InformerEventHandler, type InformerOptions } from './informer.ts';
export { WorkQueue, type WorkQueueOptions, type ProcessKey } from './work-queue.ts';
export { EventRecorder, eventName, type EventRecorderOptions, type EventType } from './events.ts';
export { type LeaderElector, SoleLeader } from './leader.ts';
export { DataDirLock, controllerLockFileName, type DataDirLockOptions } from './data-dir-lock.ts';
export { objectKey, objectKeyOf, parseObjectKey } from './keys.ts';
export { controllerOwnerKey } from './mapping.ts';
export { backoffCeiling, backoffDelay, jittered, type BackoffOptions } from './backoff.ts';
export { systemTimers, delay, type Timers, type RandomSource } from './timers.ts';
export { ManualTimers, flushMicrotasks } from './manual-timers.ts';
export { silentLogger, type RuntimeLogger } from './logger.ts';

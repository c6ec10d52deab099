export { main, USAGE } from './main';
export { backendFromUrl, type BackendFromUrlOptions, type ModuleLoader } from './backend-url';
export { loadConfig, type WrkrConfig, type ScheduleConfig, type ServeConfig, type CommonFlags } from './config';
export { syncSchedules, CONFIG_SCHEDULE_HEADER } from './config-schedules';
export { loadTask, taskFiles, type DeclaredTask, type SetupTask, type TaskInfo, type LoadedTask } from './task-module';
export { runTasks } from './run-tasks';
export { withJobLogging } from './job-handler';
export type { CommandIo } from './output';
export { chainHandler, readChains, isSimulated, SIMULATE_HEADER, type ChainConfig, type StepContext, type StepFunction } from './chain';

import type { Logger, Wrkr } from '@wrkr/core';
import type { ScheduleConfig } from './config';

/** Header marking schedules created from a config file, so only those are removed when they leave it. */
export const CONFIG_SCHEDULE_HEADER = 'wrkr-config-schedule';

/** Upsert the config's schedules and unschedule the ones an earlier config created that are gone from it. */
export async function syncSchedules(wrkr: Wrkr, schedules: readonly ScheduleConfig[], log: Logger): Promise<{ upserted: string[]; removed: string[] }> {
  const upserted: string[] = [];
  for (const s of schedules) {
    const headers = { ...(s.event.headers ?? {}), [CONFIG_SCHEDULE_HEADER]: 'true' };
    await wrkr.schedule(s.name, s.rule, { ...s.event, headers }, { active: s.active });
    upserted.push(s.name);
  }
  const wanted = new Set(upserted);
  const removed: string[] = [];
  for (const existing of await wrkr.schedules()) {
    if (existing.event.headers?.[CONFIG_SCHEDULE_HEADER] === 'true' && !wanted.has(existing.name)) {
      await wrkr.unschedule(existing.name);
      removed.push(existing.name);
    }
  }
  if (upserted.length + removed.length > 0) log.info({ upserted, removed }, 'schedules synced from config');
  return { upserted, removed };
}

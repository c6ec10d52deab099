import { NotFoundError, type Duration, type Headers, type ScheduleRuleInput, type Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { nameParams, publishedReply, removedReply, scheduleBody, scheduleReply, schedulesReply } from '../schemas';

type N = { Params: { name: string } };
interface ScheduleBody {
  every?: Duration;
  cron?: string;
  tz?: string;
  active?: boolean;
  event: { name: string; tid?: string; data?: unknown; headers?: Headers };
}

/** Schedules: list, get, reschedule (upsert), trigger now, pause, resume, delete. */
export function scheduleRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get('/api/schedules', { schema: operation('listSchedules', 'schedules', 'Every schedule with its next and last run', {}, schedulesReply, 'Every schedule') }, async () => wrkr.schedules());
  app.get<N>('/api/schedules/:name', { schema: operation('getSchedule', 'schedules', 'One schedule', { params: nameParams }, scheduleReply, 'The schedule') }, async (req) => {
    const info = await wrkr.getSchedule(req.params.name);
    if (!info) throw new NotFoundError('schedule', req.params.name);
    return info;
  });
  app.put<N & { Body: ScheduleBody }>(
    '/api/schedules/:name',
    { schema: operation('putSchedule', 'schedules', 'Create or replace (reschedule) a schedule: every or cron (+tz)', { params: nameParams, body: scheduleBody }, scheduleReply, 'The schedule as stored') },
    async (req) => {
      const { every, cron, tz, active, event } = req.body;
      // Core validates the combination (exactly one of every/cron, tz only with cron) and names the field.
      const rule = { ...(every !== undefined ? { every } : {}), ...(cron !== undefined ? { cron } : {}), ...(tz !== undefined ? { tz } : {}) } as ScheduleRuleInput;
      return wrkr.schedule(req.params.name, rule, event, active !== undefined ? { active } : {});
    },
  );
  app.post<N>('/api/schedules/:name/trigger', { schema: operation('triggerSchedule', 'schedules', "Publish the schedule's event now", { params: nameParams }, publishedReply, 'The published event') }, async (req) =>
    wrkr.trigger(req.params.name),
  );
  app.post<N>('/api/schedules/:name/pause', { schema: operation('pauseSchedule', 'schedules', 'Pause a schedule', { params: nameParams }, scheduleReply, 'The paused schedule') }, async (req) =>
    wrkr.setScheduleActive(req.params.name, false),
  );
  app.post<N>('/api/schedules/:name/resume', { schema: operation('resumeSchedule', 'schedules', 'Resume a schedule (its series restarts from now)', { params: nameParams }, scheduleReply, 'The resumed schedule') }, async (req) =>
    wrkr.setScheduleActive(req.params.name, true),
  );
  app.delete<N>('/api/schedules/:name', { schema: operation('deleteSchedule', 'schedules', 'Remove a schedule', { params: nameParams }, removedReply, 'Removed') }, async (req) => {
    if (!(await wrkr.unschedule(req.params.name))) throw new NotFoundError('schedule', req.params.name);
    return { name: req.params.name, removed: true };
  });
}

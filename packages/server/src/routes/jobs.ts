import { NotFoundError, type JobInfo, type JobState, type Wrkr } from '@wrkr/core';
import type { FastifyInstance } from 'fastify';
import { operation } from '../route-schema';
import { jobParams, queueParams, jobReply, jobsQuery, jobsReply } from '../schemas';

/** A job as the API shows it: event fields flattened, times as ISO strings. */
function jobBody(job: JobInfo): Record<string, unknown> {
  const iso = (d: Date | undefined) => d?.toISOString();
  const fields: Record<string, unknown> = {
    queue: job.queue,
    id: job.id,
    state: job.state,
    name: job.raw.name,
    tid: job.raw.tid,
    data: job.event?.data,
    headers: job.raw.headers,
    attempt: job.attempt,
    priority: job.priority,
    dueAt: iso(job.dueAt),
    leaseUntil: iso(job.leaseUntil),
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    updatedAt: iso(job.updatedAt),
    progress: job.progress,
    result: job.result,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** Jobs of a queue: a page of one state, or one by id. */
export function jobRoutes(app: FastifyInstance, wrkr: Wrkr): void {
  app.get<{ Params: { queue: string }; Querystring: { state: JobState; limit?: number; offset?: number } }>(
    '/api/queues/:queue/jobs',
    {
      schema: operation(
        'listJobs',
        'jobs',
        'A page of the jobs of a queue in one state: ready in the order they will be taken, delayed by due time, inFlight by lease end, failed most recent first, completed (kept with keepCompleted) most recent first',
        { params: queueParams, querystring: jobsQuery },
        jobsReply,
        'Jobs of that state',
      ),
    },
    async (req) => {
      const { state, limit, offset } = req.query;
      const jobs = await wrkr.jobs(req.params.queue, { state, ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) });
      return jobs.map(jobBody);
    },
  );
  app.get<{ Params: { queue: string; id: string } }>(
    '/api/queues/:queue/jobs/:id',
    { schema: operation('getJob', 'jobs', 'One job of a queue, whatever its state (ready, delayed, inFlight, failed, or completed while kept); 404 when the queue does not hold it', { params: jobParams }, jobReply, 'The job') },
    async (req) => {
      const job = await wrkr.job(req.params.queue, req.params.id);
      if (job === undefined) throw new NotFoundError(`job of queue ${req.params.queue}`, req.params.id);
      return jobBody(job);
    },
  );
}

'use strict';
// The sign-up flow on the embedded memory backend: two queues on one event, a delayed follow-up, a
// retry that then succeeds, a request/reply and a recurring schedule. Runs a few seconds and exits.
const pino = require('pino');
const pretty = require('pino-pretty');
const { Wrkr } = require('@wrkr/core');

const log = pino({ level: 'info' }, pretty({ sync: true, ignore: 'pid,hostname,lib,backend', translateTime: 'HH:MM:ss.l' }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  // No backend given: the in-process memory backend. Pass `logger: log` to see wrkr's own lines too.
  const wrkr = new Wrkr({ worker: { id: 'example-worker' } });
  await wrkr.start();

  // 1. Two queues bound to the same event each get their own copy (fan-out).
  let smtpUp = false;
  await wrkr.subscribe('ourapp.welcome-mail', 'ourapp.user.added', async (event, ctx) => {
    if (!smtpUp) {
      smtpUp = true; // the first attempt fails, as if the mail server hiccupped
      throw new Error('SMTP 421 try again later');
    }
    log.info({ to: event.data.email, attempt: ctx.attempt }, 'welcome mail sent');
  }, { retry: { attempts: 3, backoff: 'exponential', delay: '200ms' } });

  await wrkr.subscribe('ourApp.CustomerSatisfactionTeam', ['ourapp.user.added', 'ourapp.cst.#'], async (event) => {
    if (event.name === 'ourapp.user.added') {
      // 2. A delayed follow-up: '7 days' in real life, 1.5 seconds here.
      const { id } = await wrkr.publish({ name: 'ourapp.cst.user.welcome.followup', tid: event.tid, when: '1.5 seconds' });
      log.info({ tid: event.tid, followup: id }, 'CST noted the new user; follow-up scheduled');
    } else {
      log.info({ tid: event.tid, event: event.name }, 'CST follow-up is due: ask how the first days went');
    }
  });

  // 3. Request/reply: a responder's return value goes back to the requester.
  await wrkr.respond('pricing', 'pricing.quote', async (event) => ({ plan: event.data.plan, monthly: event.data.plan === 'pro' ? 29 : 0 }));

  // 4. A recurring schedule; however many processes run it, each occurrence fires once.
  let reports = 0;
  await wrkr.subscribe('reports', 'ourapp.report.signups', async () => {
    reports++;
    log.info({ report: reports }, 'sign-up report generated');
  });
  await wrkr.schedule('signup-report', { every: '1 second' }, { name: 'ourapp.report.signups' });

  wrkr.on('retrying', (r) => log.warn({ queue: r.queue, attempt: r.attempt, error: r.error.message }, 'handler failed; retrying'));

  const { id } = await wrkr.publish({ name: 'ourapp.user.added', tid: 'user-42', data: { email: 'ada@example.com' } });
  log.info({ id }, 'published ourapp.user.added');
  const quote = await wrkr.request('pricing.quote', { plan: 'pro' }, { timeout: '5s' });
  log.info({ quote }, 'pricing replied');

  await sleep(2500);
  log.info({ queues: await wrkr.queues(), workers: (await wrkr.workers()).map((w) => w.id) }, 'state before stopping');
  await wrkr.unschedule('signup-report');
  await wrkr.stop({ timeout: '5s' });
  log.info('stopped cleanly');
}

main().catch((err) => {
  log.error({ err }, 'example failed');
  process.exit(1);
});

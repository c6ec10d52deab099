'use strict';
// Sends the welcome mail of a new user; the mail server hiccups now and then (retried), bounces fail for good.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = {
  name: 'welcome-mail',
  description: 'sends the welcome mail',
  queue: 'ourapp.welcome-mail',
  patterns: ['ourapp.user.added'],
  options: { concurrency: 2, retry: { attempts: 3, backoff: 'exponential', delay: '500ms' } },
  logFields: ['email'],
  async handler(event, ctx) {
    await sleep(100 + Math.random() * 400);
    if (event.data.email.startsWith('bounce-')) throw new Error(`550 mailbox ${event.data.email} unavailable`);
    if (Math.random() < 0.15) throw new Error('421 try again later');
    ctx.log.info('welcome mail sent');
  },
};

'use strict';
// Counts users the onboarding chain finished and logs the periodic sign-up report.
let onboarded = 0;

module.exports = {
  name: 'reports',
  description: 'counts onboarded users and logs the periodic sign-up report',
  queue: 'ourapp.reports',
  patterns: ['ourapp.user.onboarded', 'ourapp.report.signups'],
  async handler(event, ctx) {
    if (event.name === 'ourapp.user.onboarded') onboarded++;
    else ctx.log.info({ onboarded }, 'sign-up report');
  },
};

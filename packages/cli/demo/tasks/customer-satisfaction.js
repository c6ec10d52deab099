'use strict';
// Notes each new user and, a little later, asks how the first days went (a delayed follow-up event).
module.exports = {
  name: 'customer-satisfaction',
  async setup(wrkr, task) {
    await wrkr.subscribe('ourapp.cst', ['ourapp.user.added', 'ourapp.cst.#'], async (event, ctx) => {
      if (event.name === 'ourapp.user.added') {
        await wrkr.publish({ name: 'ourapp.cst.followup', tid: event.tid, when: '5 seconds' });
      } else {
        ctx.log.info({ tid: event.tid }, 'follow-up: ask how the first days went');
      }
    }, { concurrency: task.concurrency ?? 4 });
  },
};

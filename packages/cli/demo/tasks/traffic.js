'use strict';
// Demo traffic: on every `ourapp.demo.tick` (a config schedule, once a second) sign up one to three users,
// so the dashboard has something to show.
let next = 1;

module.exports = {
  name: 'traffic',
  description: 'publishes sign-ups so the demo moves',
  async setup(wrkr) {
    await wrkr.subscribe('ourapp.demo-traffic', 'ourapp.demo.tick', async () => {
      const n = 1 + Math.floor(Math.random() * 3);
      for (let i = 0; i < n; i++) {
        const id = next++;
        // Every 7th address bounces: the welcome mail fails for good and shows up under failed items.
        const email = id % 7 === 0 ? `bounce-${id}@example.com` : `user-${id}@example.${id % 2 ? 'com' : 'org'}`;
        await wrkr.publish({ name: 'ourapp.user.added', tid: `user-${id}`, data: { id, email } });
      }
    });
  },
};

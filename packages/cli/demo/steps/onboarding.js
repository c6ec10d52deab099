'use strict';
// Steps of the demo's onboarding chain: each gets the previous step's result.

/** Lower-case the e-mail address and keep the user id. */
exports.normalise = (user) => ({ id: user.id, email: String(user.email).toLowerCase() });

/** Pick a plan; addresses at example.org are business customers. */
exports.pickPlan = (user) => ({ ...user, plan: user.email.endsWith('@example.org') ? 'business' : 'free' });

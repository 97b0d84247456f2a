import { afterAll } from 'vitest';
import { killEveryChild } from '../harness/process.js';
import { removeWorkdirs } from '../harness/workdir.js';

// Setup file of every project: after each test file (its own afterAll hooks first), no server
// it started keeps running and none of its temporary directories stays. A file run in a worker
// thread (the unit and harness-kube projects) never sees the `exit` event that used to do this.
afterAll(() => {
  killEveryChild();
  removeWorkdirs();
});

/*
 * Copied from slackapi/node-slack-sdk (commit 4322e14f116a), packages/oauth/src/state-stores/file-state-store.test.ts.
 * MIT License, Copyright (c) 2014- Slack Technologies, LLC: the full licence is in ./LICENSE
 * beside this file. Only the harness is changed (see ./README.md): the test runner is vitest, the
 * stores are shared-db's on a real database, and Slack's Web API is a local HTTP server.
 */
import { sharedDbStores } from './harness';
import { StateStoreChaiTestRunner } from './spec-utils';

const { stateStore } = sharedDbStores();

const testRunner = new StateStoreChaiTestRunner({
  stateStore,
});
testRunner.enableTests('createSlackStateStore');

/*
 * Copied from slackapi/node-slack-sdk (commit 4322e14f116a), packages/oauth/src/state-stores/spec-utils.ts.
 * MIT License, Copyright (c) 2014- Slack Technologies, LLC: the full licence is in ./LICENSE
 * beside this file. Only the harness is changed (see ./README.md): the test runner is vitest, the
 * stores are shared-db's on a real database, and Slack's Web API is a local HTTP server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';

import type { InstallURLOptions, StateStore } from '@slack/oauth';

export interface StateStoreChaiTestRunnerArgs {
  stateStore: StateStore;
  shouldVerifyOnlyOnce?: boolean;
}

export class StateStoreChaiTestRunner {
  private stateStore: StateStore;

  private shouldVerifyOnlyOnce: boolean;

  public constructor(args: StateStoreChaiTestRunnerArgs) {
    this.stateStore = args.stateStore;
    this.shouldVerifyOnlyOnce = args.shouldVerifyOnlyOnce === undefined ? true : args.shouldVerifyOnlyOnce;
  }

  public async enableTests(testTarget: string): Promise<void> {
    describe(testTarget, () => {
      it('should generate and verify valid state values', async () => {
        const { stateStore } = this;
        const options: InstallURLOptions = {
          scopes: ['commands', 'chat:write'],
          teamId: 'T111',
          redirectUri: 'https://www.example.com/slack/oauth_redirect',
          userScopes: ['search:read'],
          metadata: 'the metadata',
        };
        const state = await stateStore.generateStateParam(options, new Date());
        assert.ok(state.length > 0);
        const result = await stateStore.verifyStateParam(new Date(), state);
        assert.deepStrictEqual(result, options);
      });

      it('should detect old state values', async () => {
        const { stateStore } = this;
        const installUrlOptions = { scopes: ['channels:read'] };
        const fifteenMinutesLater = new Date(Date.now() + 15 * 60 * 1000);
        const state = await stateStore.generateStateParam(installUrlOptions, new Date());
        try {
          await stateStore.verifyStateParam(fifteenMinutesLater, state);
          assert.fail('Exception should be thrown');
          // biome-ignore lint/suspicious/noExplicitAny: errors can be anything
        } catch (e: any) {
          assert.strictEqual(e.code, 'slack_oauth_invalid_state');
        }
      });

      if (this.shouldVerifyOnlyOnce) {
        // harness: upstream's 4 s timeout dropped (no test here asserts a duration)
        it('should detect multiple consumption', async () => {
          const { stateStore } = this;
          const installUrlOptions = { scopes: ['channels:read'] };
          for (let i = 0; i < 200; i++) {
            // generate other states
            await stateStore.generateStateParam(installUrlOptions, new Date());
          }
          const state = await stateStore.generateStateParam(installUrlOptions, new Date());
          const result = await stateStore.verifyStateParam(new Date(), state);
          assert.ok(result !== null && result !== undefined);
          let expectedlyReturnedResult: InstallURLOptions = { scopes: [] };
          try {
            expectedlyReturnedResult = await stateStore.verifyStateParam(new Date(), state);
            assert.fail('Exception should be thrown');
            // biome-ignore lint/suspicious/noExplicitAny: errors can be anything
          } catch (e: any) {
            assert.strictEqual(
              e.code,
              'slack_oauth_invalid_state',
              `${state} ${JSON.stringify(expectedlyReturnedResult)}`,
            );
          }
        });
      }
    });
  }
}

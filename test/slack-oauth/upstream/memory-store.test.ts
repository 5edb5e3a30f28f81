// @ts-nocheck -- harness: upstream runs these files untypechecked (tsx); their fixtures do not fit the published types
/*
 * Copied from slackapi/node-slack-sdk (commit 4322e14f116a), packages/oauth/src/installation-stores/memory-store.test.ts.
 * MIT License, Copyright (c) 2014- Slack Technologies, LLC: the full licence is in ./LICENSE
 * beside this file. Only the harness is changed (see ./README.md): the test runner is vitest, the
 * stores are shared-db's on a real database, and Slack's Web API is a local HTTP server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';

import { InstallProvider } from '@slack/oauth';
import { sharedDbStores, upstreamException } from './harness';

// harness: shared-db's store instead of MemoryInstallationStore
const { installationStore: sharedDbInstallationStore } = sharedDbStores();

const clientSecret = 'MY_SECRET';
const clientId = 'MY_ID';
const stateSecret = 'stateSecret';

const storedInstallation = {
  team: {
    id: 'test-team-id',
    name: 'team-name',
  },
  enterprise: {
    id: 'test-enterprise-id',
    name: 'ent-name',
  },
  bot: {
    token: 'botToken',
    scopes: ['chat:write'],
    id: 'botId',
    userId: 'botUserId',
  },
  user: {
    token: 'userToken',
    id: 'userId',
  },
  incomingWebhook: {
    url: 'example.com',
    channel: 'someChannel',
    channelId: 'someChannelID',
    configurationUrl: 'someConfigURL',
  },
  appId: 'fakeAppId',
  tokenType: 'tokenType',
  isEnterpriseInstall: false,
};

// TODO: valid tests with org-wide installations, remove _ prefix when implemented.
const _storedOrgInstallation = {
  team: null,
  enterprise: {
    id: 'test-enterprise-id',
    name: 'ent-name',
  },
  bot: {
    token: 'botToken',
    scopes: ['chat:write'],
    id: 'botId',
    userId: 'botUserId',
  },
  user: {
    token: 'userToken',
    id: 'userId',
  },
  incomingWebhook: {
    url: 'example.com',
    channel: 'someChannel',
    channelId: 'someChannelID',
    configurationUrl: 'someConfigURL',
  },
  appId: undefined,
  tokenType: 'tokenType',
  isEnterpriseInstall: true,
};

describe('MemoryInstallationStore tests on createSlackInstallationStore', async () => {
  it('should store and fetch an installation', async () => {
    const installationStore = sharedDbInstallationStore;
    const installer = new InstallProvider({ clientId, clientSecret, stateSecret, installationStore });
    const fakeTeamId = storedInstallation.team.id;

    await upstreamException('M1', () => assert.deepStrictEqual({}, installer.installationStore.devDB));

    await installer.installationStore.storeInstallation(storedInstallation);
    const fetchedResult = await installer.installationStore.fetchInstallation({ teamId: fakeTeamId });
    await upstreamException('M2', () => assert.deepStrictEqual(fetchedResult, storedInstallation));
    // harness: the only difference is the auth version this store fills in (README, M2)
    assert.deepStrictEqual(fetchedResult, { ...storedInstallation, authVersion: 'v2' });
    await upstreamException('M3', () => assert.deepStrictEqual(storedInstallation, installer.installationStore.devDB[fakeTeamId]));
  });

  it('should delete a stored installation', async () => {
    const installationStore = sharedDbInstallationStore;
    const installer = new InstallProvider({ clientId, clientSecret, stateSecret, installationStore });
    const fakeTeamId = storedInstallation.team.id;

    await installer.installationStore.storeInstallation(storedInstallation);
    await upstreamException('M4', () => assert.ok(Object.keys(installer.installationStore.devDB).length > 0));

    await installer.installationStore.deleteInstallation({ teamId: fakeTeamId });
    await upstreamException('M5', () => assert.strictEqual(Object.keys(installer.installationStore.devDB).length, 0));
  });
});

// @ts-nocheck -- harness: upstream runs these files untypechecked (tsx); their fixtures do not fit the published types
/*
 * Copied from slackapi/node-slack-sdk (commit 4322e14f116a), packages/oauth/src/installation-stores/file-store.test.ts.
 * MIT License, Copyright (c) 2014- Slack Technologies, LLC: the full licence is in ./LICENSE
 * beside this file. Only the harness is changed (see ./README.md): the test runner is vitest, the
 * stores are shared-db's on a real database, and Slack's Web API is a local HTTP server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import sinon, { sharedDbStores, upstreamException } from './harness';

import type { InstallationQuery } from '@slack/oauth';
import { InstallProvider } from '@slack/oauth';

// harness: shared-db's store, constructed with the same options, instead of FileInstallationStore
const { FileInstallationStore } = sharedDbStores();

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

describe('FileInstallationStore tests on createSlackInstallationStore', async () => {
  let fsMakeDirSync: sinon.SinonStub;
  let fsWriteFileSync: sinon.SinonStub;
  let fsReadFileSync: sinon.SinonStub;
  let fsUnlinkSync: sinon.SinonStub;
  let fsReaddirSync: sinon.SinonStub;

  beforeEach(() => {
    // Note that these sinon stubs affect the `os` package behaviors
    // in the tests in this file
    fsMakeDirSync = sinon.stub(fs, 'mkdirSync').returns(undefined);
    fsWriteFileSync = sinon.stub(fs, 'writeFileSync').returns(undefined);
    fsReadFileSync = sinon.stub(fs, 'readFileSync').returns(Buffer.from(JSON.stringify(storedInstallation)));
    fsUnlinkSync = sinon.stub(fs, 'unlinkSync').returns(undefined);
    fsReaddirSync = sinon.stub(fs, 'readdirSync').returns(['app-latest', 'user-userId-latest']);
  });

  afterEach(() => {
    fsMakeDirSync.restore();
    fsWriteFileSync.restore();
    fsReadFileSync.restore();
    fsUnlinkSync.restore();
    fsReaddirSync.restore();
  });

  it('should store the latest installation', async () => {
    const installationStore = new FileInstallationStore({ baseDir: os.tmpdir() });
    const { enterprise, team, user } = storedInstallation;
    const fakeInstallDir = path.join(os.tmpdir(), `${enterprise.id}-${team.id}`);
    const installationJSON = JSON.stringify(storedInstallation);

    await installationStore.storeInstallation(storedInstallation);
    await upstreamException('F1', () => assert.strictEqual(fsWriteFileSync.calledWith(path.join(fakeInstallDir, 'app-latest'), installationJSON), true));
    await upstreamException('F2', () =>
      assert.strictEqual(
        fsWriteFileSync.calledWith(sinon.match(path.join(fakeInstallDir, `user-${user.id}-latest`)), installationJSON),
        true,
      ),
    );
  });
  it('should throw an exception with sufficient information when failing to store data', async () => {
    fsWriteFileSync.restore(); // disable sinon stub for this test case
    fsWriteFileSync = sinon.stub(fs, 'writeFileSync').throws(new Error('The original error message'));
    const installationStore = new FileInstallationStore({
      baseDir: os.tmpdir(),
      clientId: '11111.22222',
    });
    try {
      await installationStore.storeInstallation(storedInstallation);
      assert.fail('An exception should be thrown');
    } catch (e: unknown) {
      assert.ok(e instanceof Error);
      await upstreamException('F3', () =>
        assert.strictEqual(
          e.message,
          'Failed to save installation to FileInstallationStore (error: Error: The original error message)',
        ),
      );
    }
  });

  it('should store additional records for each installation with historicalDataEnabled', async () => {
    const installationStore = new FileInstallationStore({ baseDir: os.tmpdir(), historicalDataEnabled: true });
    const { enterprise, team, user } = storedInstallation;
    const fakeInstallDir = path.join(os.tmpdir(), `${enterprise.id}-${team.id}`);
    const installationJSON = JSON.stringify(storedInstallation);

    await installationStore.storeInstallation(storedInstallation);

    await upstreamException('F4', () =>
      assert.strictEqual(
        fsWriteFileSync.calledWith(sinon.match(`${fakeInstallDir}${path.sep}app-`), installationJSON),
        true,
      ),
    );
    await upstreamException('F4', () =>
      assert.strictEqual(
        fsWriteFileSync.calledWith(sinon.match(`${fakeInstallDir}${path.sep}user-${user.id}-`), installationJSON),
        true,
      ),
    );

    // 1 store = 4 files = 2 latest + 2 timestamps
    await upstreamException('F4', () => assert.strictEqual(fsWriteFileSync.callCount, 4));
  });

  it('should fetch a stored installation', async () => {
    const installationStore = new FileInstallationStore({ baseDir: os.tmpdir() });
    const { enterprise, team } = storedInstallation;
    const fakeInstallDir = path.join(os.tmpdir(), `${enterprise.id}-${team.id}`);
    const query = { enterpriseId: enterprise.id, teamId: team.id };

    await installationStore.storeInstallation(storedInstallation);
    const installation = await installationStore.fetchInstallation(query);

    await upstreamException('F5', () => assert.strictEqual(fsReadFileSync.calledWith(sinon.match(path.join(fakeInstallDir, 'app-latest'))), true));
    await upstreamException('M2', () => assert.deepStrictEqual(installation, storedInstallation));
    // harness: the only difference is the auth version this store fills in (README, M2)
    assert.deepStrictEqual(installation, { ...storedInstallation, authVersion: 'v2' });
  });
  it('should throw an exception with sufficient information when failing to fetch data', async () => {
    fsReadFileSync.restore(); // disable sinon stub for this test case
    const installationStore = new FileInstallationStore({
      baseDir: os.tmpdir(),
      clientId: '111.222',
    });
    try {
      const res = await installationStore.fetchInstallation({
        enterpriseId: 'E999',
        teamId: 'T111',
      });
      assert.fail(`An exception should be thrown ${JSON.stringify(res)}`);
    } catch (e: unknown) {
      assert.ok(e instanceof Error);
      await upstreamException('F6', () =>
        assert.strictEqual(
          e.message,
          'No installation data found (enterprise_id: E999, team_id: T111, user_id: undefined)',
        ),
      );
    }
  });

  it('should delete all records of installation if no userId is passed', async () => {
    const installationStore = new FileInstallationStore({ baseDir: os.tmpdir() });
    const { enterprise, team } = storedInstallation;
    const fakeInstallDir = path.join(os.tmpdir(), `${enterprise.id}-${team.id}`);
    const query = { enterpriseId: enterprise.id, teamId: team.id };

    await installationStore.deleteInstallation(query);

    await upstreamException('F7', () => assert.strictEqual(fsReaddirSync.calledWith(sinon.match(fakeInstallDir)), true));
    await upstreamException('F7', () => assert.strictEqual(fsUnlinkSync.calledWith(sinon.match('app-latest')), true));
    await upstreamException('F7', () => assert.strictEqual(fsUnlinkSync.calledWith(sinon.match('user-userId-latest')), true));

    // fsReaddirSync returns ['app-latest', 'user-userId-latest']
    await upstreamException('F7', () => assert.strictEqual(fsUnlinkSync.callCount, 2));
  });

  it('should delete only user records of installation if userId is passed', async () => {
    const installationStore = new FileInstallationStore({ baseDir: os.tmpdir() });
    const { enterprise, team, user } = storedInstallation;
    const fakeInstallDir = path.join(os.tmpdir(), `${enterprise.id}-${team.id}`);
    const query = { enterpriseId: enterprise.id, teamId: team.id, userId: user.id };

    await installationStore.deleteInstallation(query);

    await upstreamException('F7', () => assert.strictEqual(fsReaddirSync.calledWith(sinon.match(fakeInstallDir)), true));
    await upstreamException('F7', () => assert.strictEqual(fsUnlinkSync.calledWith(sinon.match(`user-${user.id}-latest`)), true));

    // fsReaddirSync returns ['app-latest', 'user-userId-latest']
    await upstreamException('F7', () => assert.strictEqual(fsUnlinkSync.callCount, 1));
  });

  it("should run authorize with triage-bot's MongoDB data", async () => {
    // Refer to https://github.com/slackapi/bolt-js/issues/1265 to learn the context
    const storedInstallation = {
      _id: '6.....',
      id: 'T....',
      __v: 0,
      appId: 'A...',
      authVersion: 'v2',
      bot: {
        scopes: ['channels:history', 'channels:join', 'channels:read', 'chat:write', 'commands', 'files:write'],
        token: 'xoxb-...',
        userId: 'U...',
        id: 'B02SS7QU407',
      },
      db_record_created_at: '2022-01-08T02:24:40.470Z',
      db_record_updated_at: '2022-01-08T02:24:40.470Z',
      enterprise: null,
      isEnterpriseInstall: false,
      name: 'My Team',
      tokenType: 'bot',
      user: {
        scopes: null,
        id: 'U...',
      },
    };
    const installationStore = {
      fetchInstallation: (_: InstallationQuery<boolean>) => {
        return new Promise((resolve) => {
          resolve(storedInstallation);
        });
      },
      storeInstallation: () => {},
      deleteInstallation: (_: InstallationQuery<boolean>) => {},
    };
    const installer = new InstallProvider({ clientId, clientSecret, stateSecret, installationStore });
    const authorizeResult = await installer.authorize({ teamId: 'T111' });
    assert.deepStrictEqual(authorizeResult, {
      teamId: 'T111',
      botId: 'B02SS7QU407',
      botUserId: 'U...',
      botToken: 'xoxb-...',
      userToken: undefined,
    });
  });
  it('should run authorize even if there are null objects in data', async () => {
    const storedInstallation = {
      // https://github.com/slackapi/template-triage-bot/blob/c1e54fb9d760b46cc8809c57e307061fdb3e0a91/app.js#L51-L55
      id: 'T999', // template-triage-bot specific
      name: 'My Team', // template-triage-bot specific
      appId: 'A111',
      tokenType: 'bot',
      authVersion: 'v2',
      bot: {
        id: 'B111',
        userId: 'U111',
        scopes: ['channels:history', 'channels:join', 'channels:read', 'chat:write', 'commands', 'files:write'],
        token: 'xoxb-____',
      },
      enterprise: null,
      team: null, // v2.3 does not work with this data due to "Error: Cannot read property 'id' of null"
      isEnterpriseInstall: false,
      user: null,
    };
    const installationStore = {
      fetchInstallation: (_: InstallationQuery<boolean>) => {
        return new Promise((resolve) => {
          resolve(storedInstallation);
        });
      },
      storeInstallation: () => {},
      deleteInstallation: (_: InstallationQuery<boolean>) => {},
    };
    const installer = new InstallProvider({ clientId, clientSecret, stateSecret, installationStore });
    const authorizeResult = await installer.authorize({ teamId: 'T111' });
    assert.deepStrictEqual(authorizeResult, {
      teamId: 'T111',
      botId: 'B111',
      botUserId: 'U111',
      botToken: 'xoxb-____',
    });
  });
});

// The attached dashboard's DashboardSource (ui/remote-source.ts) against a real admin API on a loopback socket: the sync
// getters follow the stream, edits go through the RPC, records that came before the dashboard listened are replayed
// once, a restarted server is found again without showing a record twice, and a server that stays away ends in
// `gaveUp` with a message. Refusals: a wrong token, no server.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AdminLive} from '../../source/admin/live.js';
import {EventBus, type NoticeRecord, type RequestRecord} from '../../source/events.js';
import {connectRemote} from '../../source/ui/remote-source.js';
import {type AdminStub, context, startAdminStub} from '../admin/helpers.js';

type Server = {stub: AdminStub; live: AdminLive; bus: EventBus; inFlight: {n: number}; close: () => Promise<void>};

async function serve(ctx = context().ctx, token?: string): Promise<Server> {
	const bus = new EventBus();
	const inFlight = {n: 0};
	const live = new AdminLive({bus, actions: ctx, inFlight: () => inFlight.n, info: () => ({url: 'http://127.0.0.1:1234', strategy: 'sticky', startedAt: 1000})}, {stateEveryMs: 20});
	const stub = await startAdminStub(ctx, {live, ...(token === undefined ? {} : {token})}, '127.0.0.1');
	return {
		stub,
		live,
		bus,
		inFlight,
		close: async () => {
			live.close();
			await stub.close();
		},
	};
}

function record(id: string, path = '/v1/messages'): RequestRecord {
	return {id, time: new Date().toISOString(), method: 'POST', path, status: 200, latencyMs: 5, modelAsked: 'claude-sonnet-4-6'};
}

async function until(condition: () => boolean, what: string): Promise<void> {
	const deadline = Date.now() + 5000;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

describe('remote dashboard source', () => {
	it('reads the stream into the sync getters, runs actions on the server, replays early records once', async () => {
		const made = context();
		const server = await serve(made.ctx);
		server.bus.emit('request', record('req_before'));
		const remote = await connectRemote({target: {url: server.stub.url, token: server.stub.token, pid: process.pid}});
		try {
			const {source} = remote;
			assert.equal(source.info.url, 'http://127.0.0.1:1234');
			assert.equal(source.info.strategy, 'sticky');
			assert.equal(source.info.startedAt, 1000);
			assert.equal(source.info.keyed(), false);
			assert.deepEqual(source.servedModels(), [...made.ctx.servedModels()].sort());
			assert.deepEqual(source.accounts(), []);

			// The dashboard subscribes after connecting: what came before is replayed to it, once.
			const seen: RequestRecord[] = [];
			const notices: NoticeRecord[] = [];
			source.bus.on('request', r => seen.push(r));
			source.bus.on('notice', n => notices.push(n));
			await until(() => seen.length === 1, 'the replayed record');
			assert.equal(seen[0]?.id, 'req_before');
			server.bus.emit('request', record('req_live'));
			server.bus.notice('warn', 'hello from the server');
			await until(() => seen.length === 2 && notices.length === 1, 'the live record and notice');
			assert.equal(notices[0]?.message, 'hello from the server');

			// Edits through the RPC; keyed mode and in-flight follow via state events.
			const created = await source.run('users.create', {name: 'remote-user'});
			assert.match(created.key, /^sk-agp-/);
			assert.equal(made.store.users.count(), 1);
			server.inFlight.n = 3;
			await until(() => source.info.keyed() && source.inFlight() === 3, 'keyed mode and 3 in flight');
		} finally {
			await remote.close();
			await server.close();
		}
	});

	it('follows a restarted server (new port and token) without showing a record twice, then gives up when it stays away', async () => {
		let server = await serve();
		server.bus.emit('request', record('req_1'));
		let target = {url: server.stub.url, token: server.stub.token, pid: process.pid};
		const remote = await connectRemote({target, relocate: async () => target, giveUpAfterMs: 1500, retryMinMs: 50, retryMaxMs: 100});
		const seen: string[] = [];
		const notices: string[] = [];
		remote.source.bus.on('request', r => seen.push(r.id));
		remote.source.bus.on('notice', n => notices.push(n.message));
		try {
			await until(() => seen.includes('req_1'), 'the first record');
			const old = server;
			server = await serve();
			// The new server remembers req_1 too (e.g. the same bus after a reconnect): it must not show twice.
			server.bus.emit('request', record('req_1'));
			server.bus.emit('request', record('req_2'));
			target = {url: server.stub.url, token: server.stub.token, pid: process.pid};
			await old.close();
			await until(() => notices.some(message => message.startsWith('disconnected — retrying')), 'the disconnected notice');
			await until(() => notices.some(message => message.startsWith('reconnected')), 'the reconnected notice');
			await until(() => seen.includes('req_2'), 'the new server’s record');
			assert.deepEqual(seen, ['req_1', 'req_2']);

			await server.close();
			const reason = await remote.gaveUp;
			assert.match(reason, /could not reconnect for 2 s/);
		} finally {
			await remote.close();
			await server.close();
		}
	});

	it('refuses at connect time: a wrong token, no server', async () => {
		const server = await serve();
		try {
			await assert.rejects(connectRemote({target: {url: server.stub.url, token: 'f'.repeat(64), pid: 1}}), /refused the admin token.*wrong admin token/);
		} finally {
			await server.close();
		}
		await assert.rejects(connectRemote({target: {url: server.stub.url, token: server.stub.token, pid: 1}}), /cannot reach agproxy/);
	});
});

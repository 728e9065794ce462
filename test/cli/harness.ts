// The CLI tests' two targets over one in-memory DataStore: 'local' (no server: the real writer lock in a temp data
// directory, the store "opened" from memory) and 'server' (server.json names an admin API stub on a real socket,
// and opening the store locally would fail the test).
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ActionContext} from '../../source/actions/context.js';
import type {CliIo, TargetOptions} from '../../source/cli/target.js';
import {acquireWriterLock, readServerInfo, removeServerInfo, writeServerInfo} from '../../source/store/lock.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {type AdminStub, SERVED, startAdminStub} from '../admin/helpers.js';

export type Mode = 'local' | 'server';
export const MODES: readonly Mode[] = ['local', 'server'];

export type Captured = {code: number; stdout: string; stderr: string};

export type Harness = {
	mode: Mode;
	dataDir: string;
	store: MemoryDataStore;
	target: TargetOptions;
	/** Runs a command function with captured output. */
	run: (command: (io: CliIo) => Promise<number>) => Promise<Captured>;
	/** How many times the store was opened locally. */
	opened: () => number;
	server?: AdminStub;
	close: () => Promise<void>;
};

export function capture(): {io: CliIo; out: () => string; err: () => string} {
	let stdout = '';
	let stderr = '';
	return {
		io: {
			stdout: {write: (text: string) => (stdout += text)},
			stderr: {write: (text: string) => (stderr += text)},
		},
		out: () => stdout,
		err: () => stderr,
	};
}

export function tempDataDir(): {dataDir: string; remove: () => void} {
	const root = mkdtempSync(join(tmpdir(), 'agproxy-cli-target-'));
	return {dataDir: join(root, 'data'), remove: () => rmSync(root, {recursive: true, force: true})};
}

/** `extra` goes to the server's action context (e.g. its group tester); `store` is where the data lives either way. */
export async function harness(mode: Mode, extra: Partial<ActionContext> = {}, served: ReadonlySet<string> = SERVED, store = new MemoryDataStore()): Promise<Harness> {
	const {dataDir, remove} = tempDataDir();
	let opened = 0;
	let server: AdminStub | undefined;
	if (mode === 'server') {
		server = await startAdminStub({store, servedModels: () => served, ...extra});
		writeServerInfo(dataDir, {pid: process.pid, port: server.port, token: server.token});
	}
	const target: TargetOptions = {
		servedModels: () => served,
		deps: {
			readServerInfo,
			acquireWriterLock: (dir, options) => acquireWriterLock(dir, {...options, waitMs: 2000}),
			openDataStore: async () => {
				opened++;
				if (mode === 'server') throw new Error('the store must not be opened while a server runs');
				return store;
			},
		},
	};
	const run: Harness['run'] = async command => {
		const {io, out, err} = capture();
		const code = await command(io);
		return {code, stdout: out(), stderr: err()};
	};
	return {
		mode,
		dataDir,
		store,
		target,
		run,
		opened: () => opened,
		...(server === undefined ? {} : {server}),
		close: async () => {
			if (server !== undefined) {
				removeServerInfo(dataDir);
				await server.close();
			}
			remove();
		},
	};
}

export function lines(text: string): string[] {
	return text.split('\n').filter(line => line !== '');
}

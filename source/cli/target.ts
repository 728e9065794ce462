// Where a CLI command goes. When <data-dir>/server.json names a live agproxy that answers /admin/ping with its token,
// through that server's admin API (the server owns the data: it alone writes proxy.db). Otherwise the command takes
// the writer lock itself (role 'cli'; another CLI is waited for, a server refuses it), opens the store, runs the
// action in-process, saves and lets go. Either way the same actions run with the same validation and errors.
import {type AdminClient, type AdminClientOptions, AdminError, reachServer} from '../admin/client.js';
import type {ActionContext} from '../actions/context.js';
import {ActionError} from '../actions/errors.js';
import {type ActionArgs, type ActionName, type ActionResult, type RunOptions, runAction} from '../actions/registry.js';
import {DEFAULT_CATALOGUE} from '../models/catalogue.js';
import type {DataStore} from '../store/types.js';
import {DataDirError} from '../paths.js';
import {UsageError} from './usage-error.js';

export type ServerInfo = {pid: number; port: number; token: string};
export type ReleasableLock = {release(): void | Promise<void>};

/** The storage layer's entry points (store/index.ts: lock.ts, data-store.ts); tests pass their own. */
export type TargetDeps = {
	readServerInfo: (dataDir: string) => ServerInfo | undefined | Promise<ServerInfo | undefined>;
	acquireWriterLock: (dataDir: string, options: {role: 'cli'}) => Promise<ReleasableLock>;
	openDataStore: (dataDir: string) => Promise<DataStore>;
};

export type TargetOptions = {
	deps?: Partial<TargetDeps>;
	/** Local runs: the models group members are checked against (default the shipped catalogue). */
	servedModels?: () => ReadonlySet<string>;
	/** Local runs: more context over the opened store (e.g. the account verifier). Its cleanup runs at close. */
	localContext?: (store: DataStore) => {context: Partial<Pick<ActionContext, 'verifyAccounts' | 'testGroup'>>; close?: () => void | Promise<void>};
	admin?: Partial<Omit<AdminClientOptions, 'url' | 'token'>>;
	/** How long to look for a server whose lock refused us but whose admin API did not answer yet (default 3 s). */
	serverStartWaitMs?: number;
};

export interface Target {
	readonly kind: 'server' | 'local';
	/** For messages: which server or data directory. */
	readonly where: string;
	call<N extends ActionName>(action: N, args: ActionArgs<N>, options?: RunOptions): Promise<ActionResult<N>>;
	/** Local: saves, closes the store and releases the lock. Server: closes the connection. */
	close(): Promise<void>;
}

/** The server's lock refused us and its admin API cannot be reached. */
export class TargetError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TargetError';
	}
}

/** Loaded on first use, so tests that pass their own never load sql.js. */
async function defaultDeps(): Promise<TargetDeps> {
	// The lock module is small; sql.js only loads when the command opens the data file itself (no server runs).
	const lock = await import('../store/lock.js');
	return {
		readServerInfo: lock.readServerInfo,
		acquireWriterLock: (dataDir, options) => lock.acquireWriterLock(dataDir, options),
		openDataStore: async dataDir => (await import('../store/index.js')).openDataStore(dataDir),
	};
}

async function resolveDeps(options: TargetOptions): Promise<TargetDeps> {
	const given = options.deps ?? {};
	if (given.readServerInfo !== undefined && given.acquireWriterLock !== undefined && given.openDataStore !== undefined) {
		return {readServerInfo: given.readServerInfo, acquireWriterLock: given.acquireWriterLock, openDataStore: given.openDataStore};
	}
	return {...(await defaultDeps()), ...given};
}

function catalogueIds(): ReadonlySet<string> {
	return new Set(DEFAULT_CATALOGUE.map(model => model.id));
}

export type RunningServer = {info: ServerInfo; client: AdminClient; version: string};

/** The live server of this data directory that answers its admin API, if any. A damaged server.json counts as none. */
export async function findServer(dataDir: string, options: TargetOptions = {}): Promise<RunningServer | undefined> {
	const deps = await resolveDeps(options);
	let info: ServerInfo | undefined;
	try {
		info = await deps.readServerInfo(dataDir);
	} catch {
		return undefined;
	}
	if (info === undefined) return undefined;
	const reached = await reachServer(info.port, info.token, options.admin);
	return reached.ok ? {info, client: reached.client, version: reached.version} : undefined;
}

function serverTarget(server: RunningServer): Target {
	return {
		kind: 'server',
		where: `the running agproxy (pid ${server.info.pid}, port ${server.info.port})`,
		call: (action, args, runOptions) => server.client.call(action, args, runOptions?.signal === undefined ? {} : {signal: runOptions.signal}),
		close: () => server.client.close(),
	};
}

function lockHeldByServer(error: unknown): boolean {
	const holder = typeof error === 'object' && error !== null ? (error as {holder?: {role?: unknown}}).holder : undefined;
	return holder?.role === 'server';
}

/** Decides where this command goes (see the top of the file). Close the target when done. */
export async function openTarget(dataDir: string, options: TargetOptions = {}): Promise<Target> {
	const deps = await resolveDeps(options);
	const running = await findServer(dataDir, {...options, deps});
	if (running !== undefined) return serverTarget(running);

	let lock: ReleasableLock;
	try {
		lock = await deps.acquireWriterLock(dataDir, {role: 'cli'});
	} catch (error) {
		if (!lockHeldByServer(error)) throw error;
		// A server holds the data but did not answer: it may be starting (server.json comes after the lock).
		const deadline = Date.now() + (options.serverStartWaitMs ?? 3000);
		while (Date.now() < deadline) {
			await new Promise(resolve => setTimeout(resolve, 200));
			const late = await findServer(dataDir, {...options, deps});
			if (late !== undefined) return serverTarget(late);
		}
		const reason = error instanceof Error ? error.message : String(error);
		throw new TargetError(`${reason} Its admin API did not answer (see server.json in the data directory).`);
	}

	let store: DataStore;
	try {
		store = await deps.openDataStore(dataDir);
	} catch (error) {
		await lock.release();
		throw error;
	}
	const extra = options.localContext?.(store);
	const ctx: ActionContext = {store, servedModels: options.servedModels ?? catalogueIds, ...extra?.context};
	let closed = false;
	return {
		kind: 'local',
		where: dataDir,
		call: (action, args, runOptions) => runAction(ctx, action, args, runOptions),
		close: async () => {
			if (closed) return;
			closed = true;
			try {
				await extra?.close?.();
				await store.flush();
			} finally {
				try {
					store.close();
				} finally {
					await lock.release();
				}
			}
		},
	};
}

/** Opens the target, runs `fn`, always closes it. */
export async function withTarget<T>(dataDir: string, options: TargetOptions, fn: (target: Target) => Promise<T>): Promise<T> {
	const target = await openTarget(dataDir, options);
	let failed = false;
	try {
		return await fn(target);
	} catch (error) {
		failed = true;
		throw error;
	} finally {
		try {
			await target.close();
		} catch (error) {
			// A failure of the command itself is the one worth reporting.
			if (!failed) throw error;
		}
	}
}

// ---- shared by the users / groups / accounts commands: output, usage errors, exit codes, tables ----

export type Output = {write(text: string): unknown};

export type CliIo = {stdout: Output; stderr: Output};

export {UsageError} from './usage-error.js';

export type Say = (line: string) => void;

export function sayer(io: CliIo): {say: Say; fail: Say} {
	return {say: line => void io.stdout.write(`${line}\n`), fail: line => void io.stderr.write(`agproxy: ${line}\n`)};
}

/** 2 for bad usage and invalid arguments, 1 for everything else (not found, conflict, unreachable server, I/O). */
export function exitCodeOf(error: unknown): number {
	if (error instanceof UsageError || error instanceof DataDirError) return 2;
	if (error instanceof ActionError) return error.kind === 'invalid' ? 2 : 1;
	return 1;
}

/** One line, never a stack. */
export function messageOf(error: unknown): string {
	if (error instanceof AdminError) return `admin API: ${error.message}`;
	const text = error instanceof Error ? error.message : String(error);
	return text.replace(/\s*\n\s*/g, ' ').trim() || 'failed';
}

/** Left-aligned columns, two spaces apart, the last column not padded. */
export function table(rows: string[][]): string[] {
	const widths = rows[0]?.map((_, column) => Math.max(...rows.map(row => (row[column] ?? '').length))) ?? [];
	return rows.map(row =>
		row
			.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
			.join('  ')
			.trimEnd(),
	);
}

/** Refuses flags given to a command they do not apply to. `given` maps a flag's CLI spelling to whether it was set. */
export function refuseStray(command: string, given: Record<string, boolean>, allowed: readonly string[]): void {
	for (const [flag, set] of Object.entries(given)) {
		if (set && !allowed.includes(flag)) throw new UsageError(`${flag} does not apply to '${command}'`);
	}
}

/** Exactly `count` positional arguments, named for the message. */
export function positionals(command: string, rest: string[], names: readonly string[]): string[] {
	for (const [index, name] of names.entries()) {
		const value = rest[index];
		if (value === undefined || value.trim() === '') throw new UsageError(`missing ${name}: agproxy ${command} ${names.join(' ')}`);
	}
	if (rest.length > names.length) throw new UsageError(`unexpected argument '${rest[names.length]}' for '${command}'`);
	return rest.slice(0, names.length);
}

export function compact(value: number): string {
	if (value < 1000) return String(value);
	if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 1 : 0)}k`;
	return `${(value / 1_000_000).toFixed(value < 10_000_000 ? 1 : 0)}M`;
}

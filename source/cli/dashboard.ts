// `agproxy dashboard` (alias `agproxy --attach`): the full-screen dashboard of an agproxy already running on this data
// directory (a --daemon under systemd or tmux), over its loopback admin API with the token from server.json. Quitting
// detaches; the server keeps running. Several dashboards may attach at once.
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {reachServer} from '../admin/client.js';
import {SERVER_FILE, type ServerInfo, ServerInfoError, readServerInfo} from '../store/lock.js';
import {type RemoteDashboard, type RemoteTarget, connectRemote} from '../ui/remote-source.js';

export type DashboardCommandOptions = {
	dataDir: string;
	/** Tests: other streams than the process's own. */
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
	stderr?: {write(text: string): unknown};
	/** How long the server may stay away before the dashboard gives up (default 60 s). */
	giveUpAfterMs?: number;
};

/** Why attaching is refused: one line for the user. */
class AttachError extends Error {}

/** Where the running server of `dataDir` listens: its admin API answers the token from server.json. */
async function locate(dataDir: string): Promise<RemoteTarget> {
	let info: ServerInfo | undefined;
	try {
		info = readServerInfo(dataDir);
	} catch (error) {
		throw new AttachError(error instanceof ServerInfoError ? error.message : `cannot read ${join(dataDir, SERVER_FILE)}: ${String(error)}`);
	}
	if (info === undefined) {
		if (existsSync(join(dataDir, SERVER_FILE))) {
			throw new AttachError(`no agproxy is running on ${dataDir}: ${join(dataDir, SERVER_FILE)} names a process that is gone (start one with: agproxy --daemon --data-dir ${dataDir})`);
		}
		throw new AttachError(`no agproxy is running on ${dataDir} (start one with: agproxy --daemon --data-dir ${dataDir})`);
	}
	const reached = await reachServer(info.port, info.token);
	if (reached.ok) {
		await reached.client.close();
		return {url: reached.url, token: info.token, pid: info.pid};
	}
	throw new AttachError(`the agproxy of ${dataDir} (pid ${info.pid}, port ${info.port}) does not answer its admin API: ${reached.problem}`);
}

/** Attaches, runs the dashboard until `q` (exit 0), a signal, or the server staying away too long (exit 1). */
export async function runDashboardCommand(options: DashboardCommandOptions): Promise<number> {
	const stdout = options.stdout ?? process.stdout;
	const stdin = options.stdin ?? process.stdin;
	const stderr = options.stderr ?? process.stderr;
	const fail = (message: string, code = 1): number => {
		stderr.write(`agproxy: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
		return code;
	};
	if (stdout.isTTY !== true) return fail('agproxy dashboard needs a terminal: stdout is not a terminal (use the JSON log or `agproxy users list --json` instead)', 2);
	if (stdin.isTTY !== true) return fail('agproxy dashboard needs a terminal: stdin is not a terminal', 2);

	let remote: RemoteDashboard;
	try {
		const first = await locate(options.dataDir);
		remote = await connectRemote({
			target: first,
			// After a restart the server has a new port and token: look again on every retry.
			relocate: async () => await locate(options.dataDir),
			...(options.giveUpAfterMs === undefined ? {} : {giveUpAfterMs: options.giveUpAfterMs}),
		});
	} catch (error) {
		return fail(error instanceof Error ? error.message : String(error));
	}

	// React's production build, decided before React is first loaded.
	process.env['NODE_ENV'] ??= 'production';
	const {runDashboard} = await import('../ui/run.js');
	return await new Promise<number>(resolve => {
		let finished = false;
		const signals = [
			['SIGINT', 130],
			['SIGTERM', 143],
			['SIGHUP', 129],
		] as const;
		const handlers = signals.map(([signal, code]) => [signal, () => finish(code)] as const);
		const finish = (code: number, message?: string): void => {
			if (finished) return;
			finished = true;
			handle.restore();
			for (const [signal, handler] of handlers) process.off(signal, handler);
			if (message !== undefined) fail(message);
			void remote.close().finally(() => resolve(code));
		};
		const handle = runDashboard(remote.source, {onQuit: () => finish(0), stdout, stdin});
		for (const [signal, handler] of handlers) process.on(signal, handler);
		void remote.gaveUp.then(reason => finish(1, reason));
	});
}

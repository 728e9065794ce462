// Where agproxy keeps its data: --data-dir / AGPROXY_DATA_DIR, else the platform's user data directory.
// `npm start` in a clone passes ./data. The directory is created 0700; files in it are written 0600.
import {chmodSync, mkdirSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import {join, resolve} from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
	if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'agproxy');
	if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'agproxy');
	return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'agproxy');
}

/** The data directory cannot be used (given empty, or it is a file, or it cannot be created): one line for the user. */
export class DataDirError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DataDirError';
	}
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
	// `--data-dir ''` would silently mean the current directory.
	if (flag !== undefined && flag.trim() === '') throw new DataDirError('--data-dir is empty: give a directory');
	const fromEnv = env['AGPROXY_DATA_DIR'];
	if (flag === undefined && fromEnv !== undefined && fromEnv.trim() === '') throw new DataDirError('AGPROXY_DATA_DIR is set but empty: give a directory or unset it');
	return resolve(flag ?? fromEnv ?? defaultDataDir(env));
}

export function ensureDataDir(dir: string): string {
	try {
		mkdirSync(dir, {recursive: true, mode: 0o700});
		if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), {code: 'ENOTDIR'});
		chmodSync(dir, 0o700);
	} catch (error) {
		const {code, message} = error as NodeJS.ErrnoException;
		const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'it (or a parent) is a file, not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : message;
		throw new DataDirError(`cannot use ${dir} as the data directory: ${why}`);
	}
	return dir;
}

// Where agproxy keeps its data: --data-dir / AGPROXY_DATA_DIR, else the platform's user data directory.
// `npm start` in a clone passes ./data. The directory is created 0700; files in it are written 0600.
import {mkdirSync, chmodSync} from 'node:fs';
import {homedir} from 'node:os';
import {join, resolve} from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
	if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'agproxy');
	if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'agproxy');
	return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'agproxy');
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
	return resolve(flag ?? env['AGPROXY_DATA_DIR'] ?? defaultDataDir(env));
}

export function ensureDataDir(dir: string): string {
	mkdirSync(dir, {recursive: true, mode: 0o700});
	chmodSync(dir, 0o700);
	return dir;
}

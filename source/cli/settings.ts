// `agproxy settings [list] | get <key> | set <key> <value> | unset <key>`: persistent settings in <data-dir>/settings.json.
import {SETTING_KEYS, SettingsError, SettingsFile, describeSetting} from '../settings.js';

type Output = {write: (text: string) => unknown};

export function runSettings(args: string[], dataDir: string, io: {stdout: Output; stderr: Output}): number {
	const [command = 'list', key, value, ...rest] = args;
	const fail = (message: string, code: number): number => {
		io.stderr.write(`agproxy: ${message}\n`);
		return code;
	};
	if (rest.length > 0) return fail(`unexpected argument '${rest[0]}'`, 2);
	const file = new SettingsFile(dataDir);
	try {
		switch (command) {
			case 'list': {
				if (key !== undefined) return fail(`unexpected argument '${key}'`, 2);
				const {settings, problems} = file.read();
				const width = Math.max(...SETTING_KEYS.map(k => k.length));
				for (const k of SETTING_KEYS) {
					const current = settings[k];
					io.stdout.write(`${k.padEnd(width)}  ${(current === undefined ? '-' : String(current)).padEnd(24)}  ${describeSetting(k)}\n`);
				}
				for (const problem of problems) io.stderr.write(`agproxy: ${problem}\n`);
				io.stdout.write(`(${file.path}; flags and environment variables override these)\n`);
				return 0;
			}
			case 'get': {
				if (key === undefined || value !== undefined) return fail('usage: agproxy settings get <key>', 2);
				const known = SETTING_KEYS.find(k => k === key);
				if (!known) return fail(`unknown setting '${key}' (one of ${SETTING_KEYS.join(', ')})`, 2);
				const current = file.read().settings[known];
				io.stdout.write(`${current === undefined ? '' : String(current)}\n`);
				return 0;
			}
			case 'set':
				if (key === undefined || value === undefined) return fail('usage: agproxy settings set <key> <value>', 2);
				file.set(key, value);
				io.stdout.write(`${key} = ${value} (takes effect at the next start)\n`);
				return 0;
			case 'unset':
				if (key === undefined || value !== undefined) return fail('usage: agproxy settings unset <key>', 2);
				file.unset(key);
				io.stdout.write(`${key} unset (the flag, environment variable or default applies from the next start)\n`);
				return 0;
			default:
				return fail(`unknown settings command '${command}' (list, get, set, unset)`, 2);
		}
	} catch (error) {
		if (error instanceof SettingsError) return fail(error.message, 2);
		throw error;
	}
}

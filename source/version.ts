import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

// Works from source/ (tsx) and from dist/source/ (compiled): walk up to agproxy's own package.json.
function readVersion(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 4; i++) {
		try {
			const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: unknown; version?: unknown};
			if (pkg.name === 'agproxy' && typeof pkg.version === 'string') return pkg.version;
		} catch {
			// not here; keep walking up
		}
		dir = dirname(dir);
	}
	return '0.0.0';
}

export const VERSION = readVersion();

// Bad command lines through the shipped binary: every documented command and flag with a wrong value, a stray
// argument, a flag of another command or none at all: one `agproxy: …` line on stderr (echoing what was typed),
// nothing on stdout, exit 2.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {lifecycle, oneLine, run, tempDir} from './run.js';

lifecycle('usage');

describe('bad command lines: one line on stderr, exit 2, no stack', {concurrency: 8}, () => {
	const root = tempDir();
	const file = join(root, 'a-file');
	writeFileSync(file, 'x');
	const dir = (name: string): string => join(root, name);
	const cases: Array<[string[], RegExp]> = [
		[['--port', 'abc'], /invalid --port 'abc': expected a port from 0 to 65535/],
		[['--port', '70000'], /invalid --port '70000'/],
		[['-p', '1.5'], /invalid --port '1\.5'/],
		[['simulator', '--port', 'x'], /invalid --port 'x'/],
		[['simulator', 'extra'], /unexpected argument 'extra'/],
		[['--host', ''], /--host needs a value/],
		[['--strategy', 'fastest', '--simulate', '--data-dir', dir('s')], /invalid strategy 'fastest'/],
		[['--model-map', 'nonsense', '--simulate', '--data-dir', dir('m')], /model/i],
		[['--upstream', 'ftp://x', '--data-dir', dir('u')], /invalid upstream URL 'ftp:\/\/x'/],
		[['--data-dir', ''], /--data-dir needs a value/],
		[['--data-dir', file, '--simulate'], /cannot use .* as the data directory: .* is a file/],
		[['users', 'list', '--data-dir', join(file, 'sub')], /cannot use .* as the data directory/],
		[['--daemon', '--simulate', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir('open')], /--allow-open|users create/],
		[['start', 'extra'], /unexpected argument 'extra' for 'agproxy start'/],
		[['--admin'], /--admin does not apply to 'agproxy start'/],
		[['--attach', 'users', 'list'], /--attach does not apply to 'agproxy users'/],
		[['bogus'], /unknown command 'bogus'/],
		[['groups', 'list', '--user', 'a', '--user', 'b'], /--user can only be set once/],
		[['--bogus'], /unknown flag --bogus/],
		[['users', 'list', '--no-such-flag'], /unknown flag --no-such-flag/],
		[['users', 'list', '--admin', '--data-dir', dir('a')], /--admin does not apply to 'users list'/],
		[['users', 'list', '--port', '1'], /--port does not apply to 'agproxy users'/],
		[['users'], /missing users command/],
		[['users', 'create', '--data-dir', dir('b')], /missing <name>/],
		[['users', 'frobnicate'], /unknown users command 'frobnicate'/],
		[['groups', 'create', 'g', '--data-dir', dir('c')], /missing --strategy/],
		[['groups', 'create', 'g', '--strategy', 'fast', '--data-dir', dir('c')], /invalid --strategy 'fast'/],
		[['groups', 'add', 'g', 'm', '--order', 'x'], /invalid --order 'x': expected a position/],
		[['groups', 'add', 'g', 'm', '--weight', '-1'], /invalid --weight '-1': expected a number above 0/],
		[['groups', 'move', 'g', 'm', 'zero', '--data-dir', dir('d')], /invalid <order> zero/],
		[['groups', 'weight', 'g', 'm', 'heavy', '--data-dir', dir('d')], /heavy/],
		[['accounts', 'set-client', 'a@b.c', '--data-dir', dir('f')], /missing <version>/],
		[['groups', 'list', '--order', '1', '--data-dir', dir('e')], /--order does not apply to 'groups list'/],
		[['accounts', 'add', '--callback-port', 'abc'], /invalid --callback-port 'abc'/],
		[['accounts', 'add', '--refresh-token', 't', '--no-browser'], /--no-browser are for the browser sign-in/],
		[['accounts', 'add', '--email', 'a@b.c'], /--email goes with --refresh-token/],
		[['accounts', 'list', '--email', 'x@y.z'], /--email does not apply to 'accounts list'/],
		[['accounts', 'remove', '--data-dir', dir('f')], /missing <email>/],
		[['accounts', 'list', '--admin'], /--admin does not apply to 'agproxy accounts'/],
		[['settings', 'set', 'port', 'abc', '--data-dir', dir('g')], /invalid port 'abc'/],
		[['settings', 'set', 'port', '', '--data-dir', dir('g')], /invalid port ''/],
		[['settings', 'set', 'nokey', '1', '--data-dir', dir('g')], /unknown setting 'nokey'/],
		[['settings', 'get', '--data-dir', dir('g')], /usage: agproxy settings get <key>/],
		[['settings', 'frob', '--data-dir', dir('g')], /unknown settings command 'frob'/],
		[['settings', 'list', '--json'], /--json does not apply to 'agproxy settings'/],
		[['dashboard', 'extra'], /unexpected argument 'extra'/],
		[['dashboard', '--data-dir', dir('h')], /needs a terminal/],
		[['--attach', '--data-dir', dir('h')], /needs a terminal/],
	];
	for (const [args, pattern] of cases) {
		it(`agproxy ${args.map(a => (a === '' ? "''" : a.startsWith(root) ? '<dir>' : a)).join(' ')}`, async () => {
			const result = await run(args);
			const line = oneLine(result);
			assert.match(line, pattern);
			assert.equal(result.code, 2, line);
			assert.equal(result.stdout, '');
		});
	}
});

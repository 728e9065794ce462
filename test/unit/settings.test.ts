import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {runSettings} from '../../source/cli/settings.js';
import {ConfigError, loadConfig} from '../../source/config.js';
import {SettingsFile} from '../../source/settings.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'agproxy-settings-'));
	dirs.push(dir);
	return dir;
}

function capture(): {io: {stdout: {write: (t: string) => boolean}; stderr: {write: (t: string) => boolean}}; out: () => string; err: () => string} {
	let out = '';
	let err = '';
	return {
		io: {stdout: {write: t => ((out += t), true)}, stderr: {write: t => ((err += t), true)}},
		out: () => out,
		err: () => err,
	};
}

describe('settings', () => {
	it('flag > environment > setting > default', () => {
		const settings = {port: 9000, strategy: 'round-robin' as const, maxWaitMs: 5000, modelMap: 'claude-opus-*=gemini-3.1-pro-high'};
		assert.equal(loadConfig({}, {}, settings).port, 9000);
		assert.equal(loadConfig({}, {PORT: '9100'}, settings).port, 9100);
		assert.equal(loadConfig({port: 9200}, {PORT: '9100'}, settings).port, 9200);
		assert.equal(loadConfig({}, {}, {}).port, 8080);
		assert.equal(loadConfig({}, {}, settings).strategy, 'round-robin');
		assert.equal(loadConfig({strategy: 'quota-aware'}, {}, settings).strategy, 'quota-aware');
		assert.equal(loadConfig({}, {}, settings).maxWaitMs, 5000);
		assert.equal(loadConfig({}, {}, settings).modelRules[0]?.target, 'gemini-3.1-pro-high');
		assert.throws(() => loadConfig({strategy: 'chaos'}, {}), ConfigError);
	});

	it('set/get/unset through the CLI, validated, stored 0600', () => {
		const dir = tempDir();
		const c = capture();
		assert.equal(runSettings(['set', 'port', '9001'], dir, c.io), 0);
		assert.equal(runSettings(['set', 'strategy', 'quota-aware'], dir, c.io), 0);
		assert.equal(runSettings(['set', 'port', 'banana'], dir, c.io), 2);
		assert.equal(runSettings(['set', 'strategy', 'chaos'], dir, c.io), 2);
		assert.equal(runSettings(['set', 'colour', 'blue'], dir, c.io), 2);
		assert.match(c.err(), /invalid port 'banana'/);
		const file = new SettingsFile(dir);
		assert.deepEqual(file.read().settings, {port: 9001, strategy: 'quota-aware'});
		assert.equal(statSync(file.path).mode & 0o777, 0o600);
		const g = capture();
		assert.equal(runSettings(['get', 'port'], dir, g.io), 0);
		assert.equal(g.out(), '9001\n');
		assert.equal(runSettings(['unset', 'port'], dir, g.io), 0);
		assert.deepEqual(new SettingsFile(dir).read().settings, {strategy: 'quota-aware'});
		const l = capture();
		assert.equal(runSettings(['list'], dir, l.io), 0);
		assert.match(l.out(), /strategy\s+quota-aware/);
	});

	it('a hand-edited bad value is reported and ignored, never used', () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'settings.json'), JSON.stringify({port: 'eighty', host: '0.0.0.0', bogus: 1}));
		const {settings, problems} = new SettingsFile(dir).read();
		assert.deepEqual(settings, {host: '0.0.0.0'});
		assert.equal(problems.length, 2);
	});
});

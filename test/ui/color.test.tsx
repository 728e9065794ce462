// NO_COLOR. Chalk 5.6 (Ink's colouring) ignores NO_COLOR — only FORCE_COLOR / --no-color — so the dashboard checks it
// itself. FORCE_COLOR=1 is set before Ink and chalk load (dynamic imports below) so that colours would be written.
import assert from 'node:assert/strict';
import {test} from 'node:test';

process.env['FORCE_COLOR'] = '1';

const COLOUR = /\u001B\[(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])[;m]/;
const DIM = /\u001B\[2m/;

async function load(): Promise<{harness: typeof import('./harness.js'); fake: typeof import('./fake-source.js')}> {
	return {harness: await import('./harness.js'), fake: await import('./fake-source.js')};
}

async function frameWith(env: string | undefined): Promise<string> {
	const {harness, fake} = await load();
	if (env === undefined) delete process.env['NO_COLOR'];
	else process.env['NO_COLOR'] = env;
	const source = await fake.createFakeSource();
	const dash = await harness.renderDashboard(source, {dashboard: {noColor: undefined}});
	try {
		source.emitRequest({user: 'good'});
		source.emitRequest({user: 'bad', status: 500, error: 'boom'});
		await dash.waitFor('bad');
		await dash.press('j');
		return dash.raw();
	} finally {
		dash.unmount();
	}
}

test('colours are written when NO_COLOR is unset or empty (error rows in red)', async () => {
	const raw = await frameWith(undefined);
	assert.match(raw, COLOUR);
	assert.match(raw, /\u001B\[31m[^\n]*bad/, 'the error row is red');
	assert.match(await frameWith(''), COLOUR, 'NO_COLOR= (empty) does not count');
});

test('NO_COLOR=1: no colour and no dimming at all; the selection is still visible (marker, inverse)', async () => {
	const raw = await frameWith('1');
	assert.doesNotMatch(raw, COLOUR);
	assert.doesNotMatch(raw, DIM);
	assert.match(raw, /› /);
	assert.match(raw, /\u001B\[7m/, 'inverse is a style, not a colour');
	delete process.env['NO_COLOR'];
});

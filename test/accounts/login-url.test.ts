import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {captureLoginUrl} from '../../source/accounts/login-url.js';

describe('captureLoginUrl', () => {
	it('resolves with the first http(s) URL printed (login writes it in one piece) and keeps it', async () => {
		const capture = captureLoginUrl();
		capture.output.write('Port 51121 is not available; listening on 51122 instead.\n');
		capture.output.write('\nOpen this URL in a browser:\n\n  https://accounts.example/o/oauth2?client_id=x&state=y\n\n');
		capture.output.write('later: https://other.example/\n');
		capture.fail(new Error('ignored once resolved'));
		assert.equal(await capture.url, 'https://accounts.example/o/oauth2?client_id=x&state=y');
	});

	it('rejects with the error given when the login ends before printing a URL', async () => {
		const capture = captureLoginUrl();
		capture.output.write('Port 51121 is not available; listening on 51122 instead.\n');
		capture.fail(new Error('access denied'));
		await assert.rejects(capture.url, /access denied/);
	});
});

// `a` on Accounts: a Google sign-in. Shows the URL to open, takes the pasted redirect URL (or just the code), shows
// progress and errors; closes once the account is stored (it then appears in the list). esc cancels the sign-in.
import {useStdout} from 'ink';
import {useEffect, useRef, useState, type ReactElement} from 'react';
import {messageOf, wrapLines} from '../../format.js';
import {useDashboard} from '../../hooks/context.js';
import {Priority, useKeys} from '../../hooks/useKeys.js';
import {editText, isEnter, isEscape} from '../../keymap.js';
import type {LoginSession} from '../../source.js';
import {Line} from '../Line.js';
import {TextField} from '../TextField.js';
import {Dialog, innerWidth} from './Dialog.js';
import {osc52} from './KeyDialog.js';

type Phase =
	| {kind: 'starting'}
	| {kind: 'waiting'; url: string}
	| {kind: 'exchanging'; url: string}
	| {kind: 'failed'; url?: string; message: string};

export function LoginDialog({width, height, onClose}: {width: number; height: number; onClose: () => void}): ReactElement {
	const {source, notify} = useDashboard();
	const [phase, setPhase] = useState<Phase>({kind: 'starting'});
	const [value, setValue] = useState('');
	const [attempt, setAttempt] = useState(0);
	const [copied, setCopied] = useState(false);
	const {stdout} = useStdout();
	const session = useRef<LoginSession | undefined>(undefined);
	const finished = useRef(false);

	useEffect(() => {
		let live = true;
		finished.current = false;
		let started: LoginSession;
		try {
			started = source.startLogin();
		} catch (error) {
			setPhase({kind: 'failed', message: messageOf(error)});
			return;
		}
		session.current = started;
		started.url.then(
			url => {
				if (live) setPhase(current => (current.kind === 'starting' ? {kind: 'waiting', url} : current));
			},
			(error: unknown) => {
				if (live) setPhase({kind: 'failed', message: messageOf(error)});
			},
		);
		started.done.then(
			({email}) => {
				finished.current = true;
				notify('ok', `Added Google account ${email}.`);
				if (live) onClose();
			},
			(error: unknown) => {
				finished.current = true;
				if (live) setPhase(current => ({kind: 'failed', ...('url' in current && current.url !== undefined ? {url: current.url} : {}), message: messageOf(error)}));
			},
		);
		return () => {
			live = false;
			if (!finished.current) started.cancel();
		};
		// onClose and notify are stable for the dialog's life; a new attempt starts a new session.
	}, [attempt]);

	useKeys(
		(input, key) => {
			if (isEscape(input, key)) {
				onClose();
				return true;
			}
			if (key.ctrl && input === 'y') {
				const shown = 'url' in phase ? phase.url : undefined;
				if (shown !== undefined) {
					stdout.write(osc52(shown));
					setCopied(true);
				}
				return true;
			}
			if (phase.kind === 'failed') {
				if (isEnter(input, key)) {
					setValue('');
					setPhase({kind: 'starting'});
					setAttempt(n => n + 1);
				}
				return true;
			}
			if (phase.kind !== 'waiting') return true;
			if (isEnter(input, key)) {
				const text = value.trim();
				if (text === '') return true;
				setPhase({kind: 'exchanging', url: phase.url});
				try {
					session.current?.paste(text);
				} catch (error) {
					setPhase({kind: 'failed', url: phase.url, message: messageOf(error)});
				}
				return true;
			}
			const next = editText(value, input, key);
			if (next !== undefined) setValue(next);
			return true;
		},
		{priority: Priority.high, text: phase.kind === 'waiting'},
	);

	const inner = innerWidth(width, false);
	const url = 'url' in phase ? phase.url : undefined;
	// border 2, title, intro, blank, field, state, footer
	const urlLines = url === undefined ? [] : wrapLines(url, inner, Math.max(1, height - 8));
	const copy = url === undefined ? '' : copied ? '   copied (OSC 52)' : '   ctrl+y copy URL';
	const footer = (phase.kind === 'failed' ? 'enter try again   esc close' : phase.kind === 'waiting' ? 'enter send   esc cancel' : 'esc cancel') + copy;
	return (
		<Dialog title="Add a Google account" width={width} footer={footer} tone={phase.kind === 'failed' ? 'error' : 'accent'} sides={false}>
			{phase.kind === 'starting' ? <Line segments={[{text: 'Starting the sign-in…', tone: 'muted'}]} width={inner} /> : undefined}
			{url === undefined ? undefined : <Line segments={[{text: 'Open this URL in a browser and sign in:'}]} width={inner} />}
			{urlLines.map((line, index) => (
				<Line key={index} segments={[{text: line, tone: 'info'}]} width={inner} />
			))}
			{url === undefined ? undefined : <Line segments={[]} width={inner} />}
			{phase.kind === 'waiting' ? <TextField label="Paste the redirect URL or the code:" value={value} width={inner} /> : undefined}
			{phase.kind === 'exchanging' ? <Line segments={[{text: 'Signing in: exchanging the code, finding the project…', tone: 'accent'}]} width={inner} /> : undefined}
			{phase.kind === 'failed' ? <Line segments={[{text: `Failed: ${phase.message}`, tone: 'error'}]} width={inner} /> : undefined}
		</Dialog>
	);
}

// `a` on Accounts: a Google sign-in. Shows the URL to open, takes the pasted redirect URL (or just the code), shows
// progress and errors; closes once the account is stored (it then appears in the list). esc cancels the sign-in.
//
// The URL (~500 characters) never gets a character added: no border, no padding, no '…', no wrapping by Ink — it
// is cut into rows exactly as wide as the dialog, so selecting the rows gives the URL back (terminals copy a row
// break as a newline: Ink writes every frame row as a line of its own, so one physical line cannot be had inside the
// full-screen frame). Every row is an OSC 8 hyperlink to the whole URL where the terminal supports them (a click on
// any row opens all of it), plain text under NO_COLOR. ctrl+y puts the whole URL on the clipboard (OSC 52) and says so.
import {Text, useStdout} from 'ink';
import {useEffect, useRef, useState, type ReactElement} from 'react';
import {messageOf} from '../../format.js';
import {useDashboard} from '../../hooks/context.js';
import {Priority, useKeys} from '../../hooks/useKeys.js';
import {editText, isEnter, isEscape} from '../../keymap.js';
import type {LoginSession} from '../../source.js';
import {useTheme} from '../../theme.js';
import {Line} from '../Line.js';
import {TextField} from '../TextField.js';
import {chunkRows, hyperlink, supportsHyperlinks} from '../hyperlink.js';
import {Dialog, innerWidth} from './Dialog.js';
import {osc52} from './KeyDialog.js';

type Phase =
	| {kind: 'starting'}
	| {kind: 'waiting'; url: string}
	| {kind: 'exchanging'; url: string}
	| {kind: 'failed'; url?: string; message: string};

export type LoginDialogProps = {
	width: number;
	height: number;
	onClose: () => void;
	/** OSC 8 links (default: when the terminal supports them and colours are on). */
	links?: boolean;
};

export function LoginDialog({width, height, onClose, links}: LoginDialogProps): ReactElement {
	const theme = useTheme();
	const [linked] = useState(() => links ?? (!theme.noColor && supportsHyperlinks()));
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
	// border 2, title, intro, blank, field, state, copied, footer
	const room = Math.max(1, height - 9);
	const rows = url === undefined ? [] : chunkRows(url, inner);
	// Too short a terminal for the whole URL: the last row that fits says so (ctrl+y still copies all of it).
	const cut = rows.length > room;
	const shown = cut ? [...rows.slice(0, room - 1), '(the URL goes on: ctrl+y copies all of it, or make the terminal taller)'] : rows;
	const copy = url === undefined ? '' : copied ? '   copied' : '   ctrl+y copy URL';
	const footer = (phase.kind === 'failed' ? 'enter try again   esc close' : phase.kind === 'waiting' ? 'enter send   esc cancel' : 'esc cancel') + copy;
	return (
		<Dialog title="Add a Google account" width={width} footer={footer} tone={phase.kind === 'failed' ? 'error' : 'accent'} sides={false}>
			{phase.kind === 'starting' ? <Line segments={[{text: 'Starting the sign-in…', tone: 'muted'}]} width={inner} /> : undefined}
			{url === undefined ? undefined : <Line segments={[{text: 'Open this URL in a browser and sign in:'}]} width={inner} />}
			{shown.map((row, index) =>
				cut && index === shown.length - 1 ? (
					<Line key={index} segments={[{text: row, tone: 'warn'}]} width={inner} />
				) : (
					<Text key={index} color={theme.color('info')}>
						{linked && url !== undefined ? hyperlink(url, row) : row}
					</Text>
				),
			)}
			{url === undefined ? undefined : (
				<Line segments={copied ? [{text: `Copied the whole URL (${url.length} characters) to the clipboard.`, tone: 'ok'}, {text: ' (OSC 52: tmux and some terminals must allow it)', tone: 'muted'}] : []} width={inner} />
			)}
			{phase.kind === 'waiting' ? <TextField label="Paste the redirect URL or the code:" value={value} width={inner} /> : undefined}
			{phase.kind === 'exchanging' ? <Line segments={[{text: 'Signing in: exchanging the code, finding the project…', tone: 'accent'}]} width={inner} /> : undefined}
			{phase.kind === 'failed' ? <Line segments={[{text: `Failed: ${phase.message}`, tone: 'error'}]} width={inner} /> : undefined}
		</Dialog>
	);
}

// The terminal's size, re-read on 'resize' (Ink 6.8 has no useWindowSize).
import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

export type Size = {columns: number; rows: number};

function read(stdout: NodeJS.WriteStream): Size {
	const columns = stdout.columns > 0 ? stdout.columns : 80;
	const rows = stdout.rows > 0 ? stdout.rows : 24;
	return {columns, rows};
}

export function useTerminalSize(): Size {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => read(stdout));
	useEffect(() => {
		const onResize = (): void => {
			setSize(current => {
				const next = read(stdout);
				return next.columns === current.columns && next.rows === current.rows ? current : next;
			});
		};
		stdout.on('resize', onResize);
		onResize();
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}

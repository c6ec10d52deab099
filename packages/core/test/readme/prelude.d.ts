// What the README snippets use without defining: the reader's own values and functions. Ambient (this
// file is a script), so a snippet's own `const wrkr = …` shadows the one declared here.
declare const wrkr: import('@wrkr/core').Wrkr;
declare const userId: string;
declare const docId: string;
declare const log: import('@wrkr/core').Logger;
declare const email: string;
declare const tid: string;
declare const id: string;
declare const traceparent: string;
declare const data: { [key: string]: unknown };
declare const key32bytes: Buffer;
declare const oldKey: Buffer;
declare function sendMail(to: string, options: { signal: AbortSignal }): Promise<void>;
declare function longStep(options: { signal: AbortSignal }): Promise<void>;
declare function buildReport(data: unknown): Promise<number>;

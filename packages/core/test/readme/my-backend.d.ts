// The reader's own backend that the "write a backend" snippets import ('../src', '../src/my-backend').
export declare const MyBackend: new (options: { url?: string | undefined; namespace?: string }) => import('@wrkr/core').Backend;

// The reader's own backend that the "write a backend" snippets import as '../src'.
export declare const MyBackend: new (options: { url?: string | undefined; namespace?: string }) => import('@wrkr/core').Backend;

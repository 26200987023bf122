export declare function leftOut(what: string): string;
export declare function placeholderModule(what: string, exports?: { functions?: string[]; classes?: string[]; objects?: string[] }): string;

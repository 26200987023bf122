// Checking cited pages: pure parts (no `obsidian` import). The glue fetches; this decides.
export * from "./verdict";
export * from "./host-guard";
export * from "./archive";
export * from "./schedule";
export * from "./extract";
export * from "./match";
export * from "./claims";
export * from "./judge";
export * from "./note";

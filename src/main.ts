import { Plugin } from "obsidian";

export default class PerplexityQueryPlugin extends Plugin {
  override async onload(): Promise<void> {}
}

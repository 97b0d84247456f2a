import type { ESLint, Rule } from 'eslint';

export const ROOMS: Record<
  string,
  { rooms: string[]; typeOnlyRooms?: string[]; deniedPackages: string[] }
>;
export const roomsRule: Rule.RuleModule;
declare const plugin: ESLint.Plugin;
export default plugin;

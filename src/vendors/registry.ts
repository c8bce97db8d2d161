import type { Vendor, VendorDeps, VendorModule } from './vendor';
import { easemobVendor } from './easemob';
import { neteaseVendor } from './netease';
import { tencentVendor } from './tencent';

/**
 * Every vendor the gateway can take callbacks from. Adding a vendor: its folder under `src/vendors/`,
 * one line here; its settings join the configuration schema and the README table by themselves.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module has its own settings type
export const vendorModules: readonly VendorModule<any, any>[] = [tencentVendor, neteaseVendor, easemobVendor];

export interface BuiltVendors {
  /** Configured vendors: their routes are served. */
  readonly active: readonly Vendor[];
  /** Known but not configured: their routes answer 404 with what to set. */
  readonly inactive: readonly { readonly name: string; readonly hint: string }[];
}

/** Builds each configured vendor from its settings (`Config.vendors`). */
export function buildVendors(settings: Readonly<Record<string, unknown>>, deps: VendorDeps): BuiltVendors {
  const active: Vendor[] = [];
  const inactive: { name: string; hint: string }[] = [];
  for (const module of vendorModules) {
    const own = settings[module.name];
    if (own === undefined) {
      const variables = Object.keys(module.env).join(', ');
      inactive.push({ name: module.name, hint: `${module.name} callbacks are not configured on this gateway (settings: ${variables})` });
    } else {
      active.push(module.create(own, deps));
    }
  }
  return { active, inactive };
}

/** Startup warnings of every vendor about weak settings. */
export function vendorWarnings(settings: Readonly<Record<string, unknown>>): string[] {
  return vendorModules.flatMap((module) => module.warnings(settings[module.name]));
}

export interface Stamp { at: string }
export function formatDate(d: Date): string {
  return d.toISOString();
}

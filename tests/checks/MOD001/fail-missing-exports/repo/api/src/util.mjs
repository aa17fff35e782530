export function slug(text) {
  return text.toLowerCase();
}
export const MAX = 10;

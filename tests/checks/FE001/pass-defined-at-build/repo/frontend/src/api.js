const base = import.meta.env.VITE_API_URL;
export const key = process.env.REACT_APP_KEY;
export const sentry = import.meta.env.VITE_SENTRY_DSN ? 'on' : 'off';
export const title = import.meta.env.VITE_TITLE || 'Shop';
export function get(path) {
  return fetch(`${base}${path}`);
}

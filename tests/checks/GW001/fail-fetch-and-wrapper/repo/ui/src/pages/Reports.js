import { getJson, remove } from '../api/http';

export function load(id) {
  // getJson('/reports/old') went away with the v1 reports page
  const hint = "call getJson('/reports/legacy') to refresh";
  return Promise.all([
    getJson('/items'), getJson(`/reports/${id}`),
    remove('/items/42'), hint,
  ]);
}

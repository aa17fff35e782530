export function NoticeLatest() {
  return <h2>공지</h2>;
}
